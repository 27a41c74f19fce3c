"""Errors a person can act on: the format, its bounds, the checks made at validation, the
warnings, and ``nshsched validate --total-steps`` (see also ``test_error_catalogue.py``)."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pydantic
import pytest
import torch

import nshsched as S
from nshsched.cli import main
from nshsched.config.errors import (
    MAX_ERRORS_SHOWN,
    ConfigValidationError,
    check_depth,
    clean_errors,
    error_lines,
    field_error,
)
from nshsched.groups.check import check_length
from nshsched.runtime.checks import HorizonWarning

ROOT = Path(__file__).resolve().parents[1]
LENGTH = S.TrainingLength(steps_per_epoch=100, total_steps=1000)


def errors_of(run: Any) -> ConfigValidationError:
    with pytest.raises(ConfigValidationError) as info:
        run()
    return info.value


# ---------------------------------------------------------------------- the format


def test_one_line_per_problem_path_value_fix() -> None:
    error = errors_of(
        lambda: S.OptimizationConfig.model_validate(
            {
                "optimizer": {"name": "adamw", "lr": 3e-4, "weight_dacay": 0.01},
                "scheduler": {"name": "cosine", "warmup": 0.1},
            }
        )
    )
    assert str(error) == (
        "2 validation errors for OptimizationConfig\n"
        "  optimizer.weight_dacay: not a field of AdamWConfig (got 0.01); did you mean "
        "'weight_decay'?\n"
        "  scheduler.warmup: expected a whole number of scheduler steps or a duration "
        "{kind: steps|epochs|fraction, value: ...} (got 0.1); for 10% of training write "
        "{kind: fraction, value: 0.1}, or warmup_ratio: 0.1"
    )
    assert repr(error) == str(error)
    first, second = error.errors()
    assert first["loc"] == ("optimizer", "weight_dacay")
    assert first["type"] == "extra_forbidden" and first["input"] == 0.01
    assert first["ctx"] == {
        "problem": "not a field of AdamWConfig",
        "fix": "did you mean 'weight_decay'?",
    }
    assert second["loc"] == ("scheduler", "warmup") and second["type"] == "duration_type"


def test_pydantic_types_stay_as_pydantic_made_them() -> None:
    error = errors_of(lambda: S.AdamWConfig(lr=-1.0))
    (detail,) = error.errors()
    assert detail["type"] == "greater_than_equal" and detail["ctx"] == {"ge": 0.0}
    assert str(error) == (
        "1 validation error for AdamWConfig\n  lr: Input should be greater than or equal to 0 "
        "(got -1.0)"
    )


def test_at_most_twenty_problems_then_a_count() -> None:
    data = {"name": "sequential", "phases": [{"schedule": {"name": "nope"}}] * 25}
    error = errors_of(lambda: S.lr_scheduler_registry.construct(data))
    lines = str(error).splitlines()
    assert lines[0] == "25 validation errors for SequentialSchedulerConfig"
    assert len(lines) == 1 + MAX_ERRORS_SHOWN + 1
    assert lines[-1] == f"  ... and {25 - MAX_ERRORS_SHOWN} more"
    assert error_lines(error, limit=2)[-1] == "... and 23 more"


def test_the_error_pickles_with_its_message() -> None:
    error = errors_of(lambda: S.CosineSchedulerConfig(warmup=0.5))
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ConfigValidationError and str(again) == str(error)


def test_a_union_of_plain_types_says_what_each_branch_takes() -> None:
    error = errors_of(lambda: S.OneCycleLRConfig(max_lr={"a": 1}))
    assert "max_lr: expected a number or a list of numbers" in str(error)
    error = errors_of(
        lambda: S.ParamGroupConfig(name="a", params=["x"], scheduler=3)  # type: ignore[arg-type]
    )
    assert (
        "scheduler: expected 'inherit' or a mapping {name: <tag>, ...} for LRSchedulerConfig"
        in (str(error))
    )


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        (0.05, "for 5% of training write {kind: fraction, value: 0.05}, or warmup_ratio: 0.05"),
        (2.5, "for 2.5 epochs write {kind: epochs, value: 2.5}"),
        ("25%", "for 25% of training write {kind: fraction, value: 0.25}"),
        (-0.5, "a duration is >= 0"),
    ],
)
def test_a_number_for_a_duration_says_how_to_write_one(value: Any, fix: str) -> None:
    error = errors_of(lambda: S.LinearSchedulerConfig(warmup=value))
    (detail,) = error.errors()
    assert detail["loc"] == ("warmup",)
    assert detail["ctx"].get("fix", "").startswith(fix) or fix in detail["msg"]


def test_no_warmup_ratio_hint_where_the_config_has_none() -> None:
    error = errors_of(lambda: S.WarmupCosineConfig(warmup_epochs=0.1, T_max=10))
    assert "{kind: fraction, value: 0.1}" in str(error)
    assert "warmup_ratio" not in str(error)


def test_field_error_locates_a_rule_at_the_field() -> None:
    error = field_error(("a", 0, "b"), "b=3 must be < c=2", 3, "lower b")
    (detail,) = error.errors()
    assert detail["loc"] == ("a", 0, "b") and detail["input"] == 3
    assert detail["msg"] == "b=3 must be < c=2; lower b"
    (line,) = error_lines(error)
    assert line == "a.0.b: b=3 must be < c=2; lower b"  # no "(got 3)": the message has it


def test_clean_errors_is_idempotent() -> None:
    error = errors_of(
        lambda: S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "adamw", "lr": 1e-3}, "no_weight_decay": 3}
        )
    )
    once = error.errors()
    again = pydantic.ValidationError.from_exception_data("x", clean_errors(once, model=None))
    assert [(e["loc"], e["type"], e["msg"]) for e in again.errors()] == [
        (e["loc"], e["type"], e["msg"]) for e in once
    ]


# ---------------------------------------------------------------------- bounds


def test_a_huge_value_and_key_are_quoted_briefly_in_python() -> None:
    error = errors_of(lambda: S.AdamWConfig(lr="1" * 1_000_000))  # type: ignore[arg-type]
    assert len(str(error)) < 500
    assert "... (1000000 characters)" in str(error)
    error = errors_of(lambda: S.AdamWConfig.model_validate({"lr": 1e-3, "k" * 1_000_000: 1}))
    assert len(str(error)) < 600
    (detail,) = error.errors()
    assert len(detail["loc"][0]) <= 200  # the key in the location is bounded too


def test_a_huge_unknown_tag_is_quoted_briefly() -> None:
    error = errors_of(lambda: S.lr_scheduler_registry.construct({"name": "z" * 1_000_000}))
    assert len(str(error)) < 1300
    assert "unknown name 'zzz" in str(error)


def test_a_long_user_message_is_cut() -> None:
    from pydantic import field_validator

    class Chatty(S.Config):
        x: int = 0

        @field_validator("x")
        @classmethod
        def _no(cls, v: int) -> int:
            raise ValueError("no " + "y" * 100_000)

    error = errors_of(lambda: Chatty(x=1))
    assert len(str(error)) < 1000


def nested(levels: int, leaf: Any) -> Any:
    for _ in range(levels):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize("depth", [101, 150, 10_000])
def test_python_data_deeper_than_100_levels_is_a_value_error(depth: int) -> None:
    data = {"name": "constant"}
    for _ in range(depth // 2):
        data = {"name": "sequential", "phases": [{"schedule": data}]}
    entries = [
        lambda: S.lr_scheduler_registry.construct(data),
        lambda: S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "adamw", "lr": 1}, "scheduler": data}
        ),
        lambda: S.SequentialSchedulerConfig(**{k: v for k, v in data.items() if k != "name"}),
        lambda: pydantic.TypeAdapter(S.LRSchedulerConfig).validate_python(data),
        lambda: S.OneCycleLRConfig(max_lr=nested(depth, 1.0)),
    ]
    for run in entries:
        with pytest.raises(ValueError, match="more than 100 levels of nested lists/mappings"):
            run()


def test_depth_100_is_fine_and_a_cycle_ends() -> None:
    check_depth(nested(100, 1.0))
    with pytest.raises(ValueError, match="more than 100 levels"):
        check_depth(nested(101, 1.0))
    loop: list[Any] = []
    loop.append(loop)
    check_depth(loop)  # visited once: pydantic reports the cycle itself
    with pytest.raises(pydantic.ValidationError):
        S.OneCycleLRConfig(max_lr=loop)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- validation-time rules


@pytest.mark.parametrize(
    ("build", "loc", "match"),
    [
        (
            lambda: S.CosineSchedulerConfig(warmup=20, total={"kind": "steps", "value": 10}),
            ("warmup",),
            r"warmup=20 must be <= total=\{kind: steps, value: 10\}",
        ),
        (
            lambda: S.LinearSchedulerConfig(
                warmup={"kind": "epochs", "value": 3}, total={"kind": "epochs", "value": 2}
            ),
            ("warmup",),
            "must be <= total",
        ),
        (
            lambda: S.WarmupStableDecaySchedulerConfig(
                warmup={"kind": "fraction", "value": 0.5},
                decay={"kind": "fraction", "value": 0.6},
                total={"kind": "fraction", "value": 1.0},
            ),
            ("decay",),
            "warmup \\+ decay must be <= total",
        ),
        (
            lambda: S.WarmupCosineConfig(warmup_epochs={"kind": "epochs", "value": 5}, T_max=5),
            ("warmup_epochs",),
            r"warmup_epochs=\{kind: epochs, value: 5\} must be < T_max=5",
        ),
        (
            lambda: S.ExponentialDecayConfig(
                intervals=[
                    {
                        "start": 0,
                        "end": 5,
                        "init_lr": 1,
                        "decay_rate": 0.5,
                        "decay_interval": {"kind": "steps", "value": 0},
                    }
                ]
            ),
            ("intervals", 0, "decay_interval"),
            "is 0 steps",
        ),
    ],
)
def test_rules_in_one_unit_are_checked_at_validation(build: Any, loc: tuple, match: str) -> None:
    with pytest.raises(ConfigValidationError, match=match) as info:
        build()
    assert info.value.errors()[0]["loc"] == loc


def test_counts_in_two_units_wait_for_the_length() -> None:
    # steps per epoch unknown: epochs against scheduler steps is not comparable yet
    cfg = S.LinearSchedulerConfig(warmup={"kind": "epochs", "value": 3}, total=10)
    with pytest.raises(ValueError, match=r"warmup \(\{kind: epochs, value: 3\} = 300 scheduler"):
        check_length(cfg, LENGTH)
    # an int count is an epoch for interval: epoch, a step otherwise
    S.WarmupCosineConfig(warmup_epochs={"kind": "steps", "value": 50}, T_max=5)
    with pytest.raises(ConfigValidationError, match="warmup_epochs"):
        S.WarmupCosineConfig(warmup_epochs={"kind": "steps", "value": 50}, T_max=5, interval="step")


# ---------------------------------------------------------------------- unused lr


def absolute(start: Any = 0) -> dict[str, Any]:
    return {
        "name": "step_decay",
        "intervals": [
            {"start": start, "end": 10, "lr": 1e-4},
            {"start": 10, "end": 20, "lr": 5e-5},
        ],
    }


def test_an_absolute_schedule_next_to_an_unused_lr_warns_once_at_the_users_line() -> None:
    data = {"optimizer": {"name": "adamw", "lr": 3e-4}, "scheduler": absolute()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        S.OptimizationConfig.model_validate(data)
    (warning,) = caught
    assert str(warning.message).startswith(
        "optimizer.lr=0.0003 is not used: scheduler step_decay sets absolute learning rates "
        "from step 0 (first 0.0001)"
    )
    assert warning.filename == __file__


@pytest.mark.parametrize("preset", ["gentle_decay", "aggressive_decay", "exponential_smooth"])
def test_absolute_presets_warn(preset: str) -> None:
    data = {"optimizer": {"name": "sgd", "lr": 0.5}, "scheduler": S.presets.load_data(preset)}
    with pytest.warns(UserWarning, match=r"optimizer.lr=0.5 is not used: scheduler \w+ sets"):
        S.OptimizationConfig.model_validate(data)


@pytest.mark.parametrize(
    "extra",
    [
        {"scheduler": absolute(start=5)},  # the base LR before the first interval
        {"scheduler": {"name": "cosine"}},
        {"param_groups": [{"name": "head", "params": ["h.*"], "lr": 1e-3}]},  # a ratio base
        {"param_groups": [{"name": "head", "params": ["h.*"], "scheduler": None}]},
        {"param_groups": [{"name": "head", "params": ["h.*"], "scheduler": {"name": "linear"}}]},
        {"scheduler": S.presets.load_data("differential")},  # default: the base LR
    ],
)
def test_no_warning_when_the_lr_is_used(extra: dict[str, Any]) -> None:
    data = {"optimizer": {"name": "adamw", "lr": 3e-4}, "scheduler": absolute(), **extra}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S.OptimizationConfig.model_validate(data)


def test_the_unused_lr_is_truly_unused() -> None:
    """What the warning says: two lrs, the same LRs at every step."""
    torch.nn.Linear(2, 2)
    lrs = []
    for lr in (3e-4, 7.0):
        with pytest.warns(UserWarning, match="is not used"):
            cfg = S.OptimizationConfig.model_validate(
                {"optimizer": {"name": "sgd", "lr": lr}, "scheduler": absolute()}
            )
        lrs.append(S.preview(cfg, S.TrainingLength(steps_per_epoch=30, total_steps=30)))
    assert (lrs[0] == lrs[1]).all()


# ---------------------------------------------------------------------- step_to past the horizon


def test_step_to_beyond_the_horizon_holds_the_last_values_and_warns_once() -> None:
    model = torch.nn.Linear(2, 2)
    cfg = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 1.0}, "scheduler": {"name": "linear", "warmup": 10}}
    )
    optimizer, scheduler = cfg.build(model, S.TrainingLength(steps_per_epoch=10, total_steps=100))
    scheduler.step_to(60)
    # linear from the peak at 10 to 0 at 100: lr(60) = (100 - 60) / 90
    assert optimizer.param_groups[0]["lr"] == pytest.approx(40 / 90, rel=1e-12)
    scheduler.step_to(100)
    assert optimizer.param_groups[0]["lr"] == 0.0
    with pytest.warns(HorizonWarning, match=r"step_to\(50000\): step 50000 is beyond the 100") as w:
        scheduler.step_to(50_000)
    assert w[0].filename == __file__
    assert optimizer.param_groups[0]["lr"] == 0.0 and scheduler.last_epoch == 50_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step_to(60_000)  # once per scheduler
        scheduler.step_to(5)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5, rel=1e-12)


def test_step_to_beyond_the_horizon_of_an_epoch_schedule() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=1.0)
    spec = S.CosineAnnealingLRConfig(T_max=5).create_scheduler(
        optimizer, S.TrainingLength(steps_per_epoch=10, total_steps=50)
    )
    scheduler = spec["scheduler"]
    scheduler.step_to(5)
    end = optimizer.param_groups[0]["lr"]
    with pytest.warns(HorizonWarning, match=r"step 9 \(optimizer step 90\) is beyond the 50"):
        scheduler.step_to(9)
    assert optimizer.param_groups[0]["lr"] == end  # torch's cosine would climb back up


# ---------------------------------------------------------------------- group dicts, check_length


def test_group_dicts_hold_what_torchs_param_groups_hold() -> None:
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "param_groups": [
                {"name": "head", "params": ["1.*"], "lr_scale": 10, "weight_decay": 0.0},
                {"name": "body", "params": ["0.*"], "lr": 5e-4},
            ],
        }
    )
    # what build() makes on a model with a parameter for each group (and default)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    optimizer = cfg.create_optimizer(model)
    mine = cfg.group_dicts()
    assert [g["name"] for g in mine] == ["head", "body", "default"]
    for group, real in zip(mine, optimizer.param_groups):
        assert group == {k: real[k] for k in group}
        # what torch adds is none of the config's fields (AdamW's decoupled_weight_decay)
        assert not (set(real) - set(group) - {"params"}) & set(S.AdamWConfig.model_fields)
    defaults = cfg.optimizer_defaults()
    assert defaults == {k: optimizer.defaults[k] for k in defaults}


def test_check_length_imports_no_torch() -> None:
    code = textwrap.dedent(
        """\
        import sys, warnings
        import nshsched as S
        from nshsched.groups.check import check_length
        warnings.simplefilter("ignore")
        cfg = S.OptimizationConfig.model_validate({
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "scheduler": {"name": "one_cycle_lr", "max_lr": 1.0},
            "param_groups": [{"name": "head", "params": ["fc.*"], "lr_scale": 10}],
            "hyperparameters": {"weight_decay": {"schedule": {"name": "cosine"}}},
        })
        length = S.TrainingLength(steps_per_epoch=10, total_steps=100)
        assert check_length(cfg, length)
        try:
            check_length(S.CosineSchedulerConfig(warmup=500), length)
        except ValueError as e:
            print(e)
        print("torch" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "CosineSchedulerConfig: warmup (500 scheduler steps) must be <= total "
        "(the whole training: 100 scheduler steps)",
        "False",
    ]


def test_check_length_of_a_custom_scheduler_says_it_cannot() -> None:
    from typing import Literal

    with S.lr_scheduler_registry.scoped():

        @S.lr_scheduler_registry.register
        class Mine(S.LRSchedulerConfigBase):
            name: Literal["mine_for_check"] = "mine_for_check"

            def metadata(self) -> S.LRSchedulerMetadata:
                return {"interval": "step"}

            def create_scheduler_impl(self, optimizer: Any, length: Any) -> Any:
                return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)

        assert check_length(Mine(), LENGTH) is False


def test_a_joined_warmup_longer_than_the_training_is_refused_at_creation() -> None:
    cfg = S.StepLRConfig(step_size=1, warmup={"kind": "epochs", "value": 11})
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0)
    with pytest.raises(
        ValueError,
        match=r"step_lr: warmup \(\{kind: epochs, value: 11\} = 1100 optimizer steps\) is "
        r"longer than the whole training \(1000 optimizer steps\)",
    ):
        cfg.create_scheduler(optimizer, LENGTH)
    S.StepLRConfig(step_size=1, warmup={"kind": "epochs", "value": 10}).create_scheduler(
        optimizer, LENGTH
    )
    plateau = S.ReduceLROnPlateauConfig(monitor="loss", warmup={"kind": "steps", "value": 1001})
    with pytest.raises(ValueError, match="reduce_lr_on_plateau: warmup"):
        plateau.create_schedulers(optimizer, LENGTH)


# ---------------------------------------------------------------------- the command line


def write(path: Path, text: str) -> str:
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_validate_several_files_with_a_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.yaml", "optimizer: {name: adamw, lr: 3e-4}\n")
    sched = write(tmp_path / "sched.yaml", "name: cosine\nwarmup: {kind: fraction, value: 0.1}\n")
    long = write(tmp_path / "long.yaml", "name: cosine\nwarmup: 2000\n")
    assert main(["validate", good, sched, long]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == f"{good}: valid OptimizationConfig: optimizer adamw (lr=0.0003), scheduler none, 0 param group(s)"
    )
    assert len(out) == 3
    assert main(["validate", good, sched, long, "--total-steps", "1000"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{good}: valid OptimizationConfig: optimizer adamw (lr=0.0003), scheduler none, "
        "0 param group(s); runs for 1000 optimizer steps (1000 per epoch)",
        f"{sched}: valid scheduler config: cosine (CosineSchedulerConfig), interval step; "
        "runs for 1000 optimizer steps (1000 per epoch)",
    ]
    assert captured.err.splitlines() == [
        f"nshsched validate: error: {long}: valid, but cannot run for 1000 optimizer steps "
        "(1000 per epoch): CosineSchedulerConfig: warmup (2000 scheduler steps) must be <= "
        "total (the whole training: 1000 scheduler steps)",
        "nshsched validate: error: 1 of 3 files are not valid",
    ]
    assert main(["validate", long, "--epochs", "30", "--steps-per-epoch", "100"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps-per-epoch", "10"], "--steps-per-epoch needs --total-steps or --epochs"),
        (["--epochs", "3"], "--epochs needs --steps-per-epoch"),
        (["--total-steps", "0"], "expected a positive integer"),
    ],
)
def test_validate_length_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    file = write(tmp_path / "s.yaml", "name: cosine\n")
    try:
        code = main(["validate", file, *args])
    except SystemExit as e:  # argparse's own
        code = e.code  # type: ignore[assignment]
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.filterwarnings("default::nshsched.runtime.checks.HorizonWarning")
def test_validate_warns_about_the_horizon_and_an_unused_lr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(
        tmp_path / "o.yaml",
        """\
        optimizer: {name: sgd, lr: 0.1}
        scheduler:
          name: step_decay
          intervals: [{start: 0, end: 500, lr: 0.05}]
        """,
    )
    sched = write(tmp_path / "c.yaml", "name: cosine_annealing_lr\nT_max: 5\n")
    assert main(["validate", file, sched, "--epochs", "10", "--steps-per-epoch", "100"]) == 0
    err = capsys.readouterr().err
    assert "nshsched validate: warning: optimizer.lr=0.1 is not used: scheduler step_decay" in err
    assert (
        "nshsched validate: warning: cosine_annealing_lr: its decay ends at optimizer step 500 of 1000"
        in err
    )


def test_an_unknown_name_in_a_file_names_the_file_and_how_to_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path / "mine.yaml", "name: my_drop\n")
    assert main(["validate", file]) == 1
    err = capsys.readouterr().err
    assert f"nshsched validate: error: {file}: unknown name 'my_drop'" in err
    assert "--import MODULE or NSHSCHED_IMPORT=MODULE" in err


def test_config_from_file_is_titled_with_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "optim.yaml", "optimizer: {name: adamw, lr: .nan}\n")
    with pytest.raises(
        ConfigValidationError,
        match=rf"^1 validation error for {file} \(OptimizationConfig\)\n  optimizer.lr: .*finite",
    ):
        S.OptimizationConfig.from_file(file)
    sched = write(tmp_path / "s.json", '{"name": "cosine", "warmup": 1.5}')
    with pytest.raises(ConfigValidationError, match=rf"for {sched} \(CosineSchedulerConfig\)"):
        S.lr_scheduler_registry.from_file(sched)
    assert S.optimizer_registry.from_file(write(tmp_path / "a.yaml", "name: sgd\nlr: 1\n")).lr == 1
    assert math.isfinite(
        S.OptimizationConfig.from_file(
            write(tmp_path / "b.yaml", "optimizer: {name: sgd, lr: 1}")
        ).optimizer.lr
    )


# ---------------------------------------------------------------------- LightningCLI


def test_lightning_cli_shows_the_librarys_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lightning = pytest.importorskip("lightning.pytorch")
    pytest.importorskip("jsonargparse")
    from lightning.pytorch.cli import LightningCLI

    class Net(lightning.LightningModule):
        def __init__(
            self, optimization: S.OptimizationConfig, extra: S.LRSchedulerConfig | None = None
        ) -> None:
            super().__init__()
            self.optimization = optimization

    monkeypatch.chdir(tmp_path)
    cases = [
        (
            "--model.optimization={optimizer: {name: adamw, lr: 0.1, weight_decy: 0.1}}",
            "weight_decy: not a field of AdamWConfig (got 0.1); did you mean 'weight_decay'?",
        ),
        (
            "--model.extra={name: cosine, warmup: 0.1}",
            "warmup: expected a whole number of scheduler steps or a duration {kind: "
            "steps|epochs|fraction, value: ...} (got 0.1); for 10% of training write "
            "{kind: fraction, value: 0.1}, or warmup_ratio: 0.1",
        ),
    ]
    for flag, line in cases:
        with pytest.raises(SystemExit):
            LightningCLI(
                Net,
                run=False,
                args=["--model.optimization.optimizer={name: sgd, lr: 1}", flag],
                trainer_defaults={"logger": False},
            )
        err = capsys.readouterr().err
        assert line in err
        assert "function-plain" not in err
