"""nshsched-typed ``__init__`` parameters under a real ``LightningCLI`` (jsonargparse): YAML in
nshsched's shape, whole-field flags, jsonargparse's class forms, user-registered tags."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
pytest.importorskip("jsonargparse")

from lightning.pytorch.cli import LightningCLI  # noqa: E402

import nshsched as S  # noqa: E402
from _helpers.lightning import QUIET, loader  # noqa: E402
from nshsched.integrations.lightning_cli import install_jsonargparse_adapter, to_subclass_spec  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning:lightning",
    "ignore::lightning.fabric.utilities.warnings.PossibleUserWarning",
)


class Net(L.LightningModule):
    def __init__(
        self,
        optimization: S.OptimizationConfig,
        extra_schedule: S.LRSchedulerConfig | None = None,
        extra_optimizer: S.OptimizerConfig | None = None,
    ) -> None:
        super().__init__()
        self.optimization = optimization
        self.extra_schedule = extra_schedule
        self.extra_optimizer = extra_optimizer
        self.body = torch.nn.Linear(2, 3)
        self.head = torch.nn.Linear(3, 1)
        self.lrs: list[list[float]] = []

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        return self.head(self.body(batch[0])).pow(2).mean()

    def configure_optimizers(self) -> Any:
        return self.optimization.configure_optimizers(self)

    def optimizer_step(self, *args: Any, **kwargs: Any) -> None:
        self.lrs.append([g["lr"] for g in self.optimizers().optimizer.param_groups])  # type: ignore[union-attr]
        super().optimizer_step(*args, **kwargs)

    def train_dataloader(self) -> Any:
        return loader(torch.randn(8, 2), batch_size=1)


TRAINER = dict(QUIET)


def cli(*args: str, run: bool = False) -> LightningCLI:
    return LightningCLI(
        Net,
        run=run,
        args=list(args),
        trainer_defaults=TRAINER,
        save_config_kwargs={"overwrite": True},
    )


LINEAR3 = S.LinearSchedulerConfig(warmup=3)
ADAMW = S.AdamWConfig(lr=0.1)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> str:
    path.write_text(textwrap.dedent(text))
    return str(path)


# ---------------------------------------------------------------------- the forms


def test_yaml_config_in_nshsched_shape(workdir: Path) -> None:
    config = write(
        workdir / "c.yaml",
        """
        model:
          optimization:
            optimizer: {name: adamw, lr: 0.1}
            scheduler: {name: linear, warmup: 3}
            param_groups:
              - {name: head, params: ["head.*"], lr_scale: 10, scheduler: {name: constant}}
          extra_schedule:
            name: sequential
            phases:
              - {schedule: {name: cosine}, duration: {kind: fraction, value: 0.5}}
              - {schedule: {name: constant}}
          extra_optimizer: {name: SGD, lr: 0.5, momentum: 0.9}
        """,
    )
    model = cli("--config", config).model
    opt = model.optimization
    assert isinstance(opt, S.OptimizationConfig)
    assert opt.optimizer == ADAMW
    assert opt.scheduler == LINEAR3
    assert opt.param_groups == [
        S.ParamGroupConfig(
            name="head", params=["head.*"], lr_scale=10, scheduler=S.ConstantSchedulerConfig()
        )
    ]
    assert model.extra_schedule == S.SequentialSchedulerConfig.model_validate(
        {
            "phases": [
                {"schedule": {"name": "cosine"}, "duration": {"kind": "fraction", "value": 0.5}},
                {"schedule": {"name": "constant"}},
            ]
        }
    )
    assert model.extra_optimizer == S.SGDConfig(lr=0.5, momentum=0.9)


def test_whole_field_flags(workdir: Path) -> None:
    model = cli(
        "--model.optimization.optimizer={name: adamw, lr: 0.1}",
        "--model.optimization.scheduler={name: linear, warmup: 3}",
        "--model.extra_schedule={name: cosine, warmup: {kind: epochs, value: 1}}",
        '--model.extra_optimizer={"name": "adam", "lr": 0.2}',
    ).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)
    assert model.extra_schedule == S.CosineSchedulerConfig(warmup=S.EpochsConfig(value=1))
    assert model.extra_optimizer == S.AdamConfig(lr=0.2)


def test_whole_optimization_flag(workdir: Path) -> None:
    model = cli(
        "--model.optimization={optimizer: {name: adamw, lr: 0.1}, scheduler: {name: linear, warmup: 3}}"
    ).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)


def test_jsonargparse_field_level_form(workdir: Path) -> None:
    model = cli(
        "--model.optimization.optimizer=AdamWConfig",
        "--model.optimization.optimizer.lr=0.1",
        "--model.optimization.scheduler=LinearSchedulerConfig",
        "--model.optimization.scheduler.warmup=3",
    ).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)


def test_bare_tags_with_field_level_values(workdir: Path) -> None:
    model = cli(
        "--model.optimization.optimizer=AdamW",  # torch's name, an alias of adamw
        "--model.optimization.optimizer.lr=0.1",
        "--model.optimization.scheduler=linear",
        "--model.optimization.scheduler.warmup=3",
    ).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)


def test_class_path_and_init_args_in_yaml(workdir: Path) -> None:
    config = write(
        workdir / "c.yaml",
        """
        model:
          optimization:
            optimizer:
              class_path: nshsched.AdamWConfig
              init_args: {lr: 0.1}
            scheduler:
              class_path: LinearSchedulerConfig
              init_args: {warmup: 3}
        """,
    )
    model = cli("--config", config).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)


# Config classes moved to other modules in the third release: a YAML, or the hyperparameters
# of a LightningCLI checkpoint, written against the second release names the old path.
MOVED = [
    ("nshsched.lr_scheduler.hf.WarmupStableDecaySchedulerConfig", "scheduler", {"decay": 2}),
    ("nshsched.lr_scheduler.timm_mirrors.TimmStepConfig", "scheduler", {"decay_t": 2}),
    ("nshsched.lr_scheduler.timm_mirrors.TimmMultiStepConfig", "scheduler", {"decay_t": [2]}),
    ("nshsched.optimizer.classic.LBFGSConfig", "optimizer", {"lr": 0.5}),
    ("nshsched.optimizer.classic.MuonConfig", "optimizer", {"lr": 0.5}),
]


@pytest.mark.parametrize(("class_path", "field", "init_args"), MOVED)
def test_class_path_of_the_second_release(
    workdir: Path, class_path: str, field: str, init_args: dict[str, Any]
) -> None:
    optimization = {"optimizer": {"name": "sgd", "lr": 0.1}}
    optimization[field] = {"class_path": class_path, "init_args": init_args}
    config = workdir / "c.yaml"
    config.write_text(json.dumps({"model": {"optimization": optimization}}))
    model = cli("--config", str(config)).model
    value = getattr(model.optimization, field)
    module, name = class_path.rsplit(".", 1)
    assert type(value) is getattr(importlib.import_module(module), name)
    assert type(value) is getattr(S, name)  # one class, under its new module and the old
    assert type(value).__module__ != module
    fields = value.model_dump(exclude_defaults=True)
    assert {k: v for k, v in fields.items() if k != "name"} == init_args


def test_a_flag_overrides_a_field_of_the_yaml_config(workdir: Path) -> None:
    config = write(
        workdir / "c.yaml",
        """
        model:
          optimization:
            optimizer: {name: adamw, lr: 0.1}
            scheduler: {name: linear, warmup: 3}
        """,
    )
    model = cli("--config", config, "--model.optimization.scheduler.warmup=7").model
    assert model.optimization.scheduler == S.LinearSchedulerConfig(warmup=7)


def test_print_config_reads_back(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "--model.optimization={optimizer: {name: adamw, lr: 0.1}, scheduler: {name: linear, warmup: 3}}",
        "--model.extra_schedule={name: sequential, phases: [{schedule: {name: cosine}, "
        "duration: {kind: fraction, value: 0.5}}, {schedule: {name: constant}}]}",
    ]
    with pytest.raises(SystemExit):
        cli(*args, "--print_config")
    printed = capsys.readouterr()
    assert "Unable to serialize" not in printed.out + printed.err
    assert "class_path: nshsched.lr_scheduler.hf.LinearSchedulerConfig" in printed.out
    (workdir / "printed.yaml").write_text(printed.out)
    model = cli("--config", str(workdir / "printed.yaml")).model
    assert model.optimization == S.OptimizationConfig(optimizer=ADAMW, scheduler=LINEAR3)
    assert model.extra_schedule == cli(*args).model.extra_schedule
    assert model.extra_schedule.phases[0].schedule == S.CosineSchedulerConfig()


# ---------------------------------------------------------------------- user tags

USER_MODULE = '''
from typing import Literal
import nshsched as S


@S.lr_scheduler_registry.register
class HalfwayDropConfig(S.ClosedFormLRSchedulerConfigBase):
    """LR x1 for the first half of training, then x``factor``."""

    name: Literal["halfway_drop"] = "halfway_drop"
    factor: float = 0.1

    def metadata(self):
        return {"interval": "step"}

    def multiplier(self, step, length):
        import numpy as np
        return np.where(np.asarray(step) < length.total_steps / 2, 1.0, self.factor)
'''


@pytest.fixture
def user_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A user's module that registers ``halfway_drop``; unregistered afterwards."""
    with S.lr_scheduler_registry.scoped():
        (tmp_path / "user_schedules_cli.py").write_text(USER_MODULE)
        monkeypatch.syspath_prepend(str(tmp_path))
        module = importlib.import_module("user_schedules_cli")
        yield module.HalfwayDropConfig
    sys.modules.pop("user_schedules_cli", None)


@pytest.mark.parametrize(
    "args",
    [
        [
            "--model.optimization={optimizer: {name: sgd, lr: 1.0}, scheduler: {name: halfway_drop, factor: 0.25}}"
        ],
        [
            "--model.optimization.optimizer={name: sgd, lr: 1.0}",
            "--model.optimization.scheduler={name: halfway_drop, factor: 0.25}",
        ],
        [
            "--model.optimization.optimizer=sgd",
            "--model.optimization.optimizer.lr=1.0",
            "--model.optimization.scheduler=HalfwayDropConfig",
            "--model.optimization.scheduler.factor=0.25",
        ],
        [
            "--model.optimization.optimizer=sgd",
            "--model.optimization.optimizer.lr=1.0",
            "--model.optimization.scheduler=halfway_drop",
            "--model.optimization.scheduler.factor=0.25",
        ],
    ],
    ids=["whole-optimization", "whole-field", "class-name", "tag"],
)
def test_user_registered_tag_in_every_form(workdir: Path, user_tag: type, args: list[str]) -> None:
    model = cli(*args, "--trainer.max_steps=8", run=False).model
    assert type(model.optimization.scheduler) is user_tag
    assert model.optimization.scheduler.factor == 0.25


def test_fit_from_the_cli_uses_the_schedule(workdir: Path, user_tag: type) -> None:
    config = write(
        workdir / "c.yaml",
        """
        model:
          optimization:
            optimizer: {name: sgd, lr: 1.0}
            scheduler: {name: halfway_drop, factor: 0.25}
            param_groups: [{name: head, params: ["head.*"], lr: 0.5}]
        trainer: {max_steps: 8}
        """,
    )
    result = cli("fit", "--config", config, run=True)
    # lr(t) = base * (1 if t < 8 / 2 else 0.25), for the head (0.5) and the default group (1.0)
    expected = [[0.5 * m, 1.0 * m] for m in (1, 1, 1, 1, 0.25, 0.25, 0.25, 0.25)]
    assert len(result.model.lrs) == 8
    for got, want in zip(result.model.lrs, expected):
        assert got == pytest.approx(want, abs=1e-12)


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--model.optimization={optimizer: {name: addamw, lr: 0.1}}"], "did you mean 'adamw'"),
        (
            [
                "--model.optimization.optimizer={name: adamw, lr: 0.1}",
                "--model.optimization.scheduler={name: cosin}",
            ],
            "did you mean 'cosine'",
        ),
        (
            ["--model.optimization.optimizer={name: adamw, lr: 0.1, weight_decy: 0.1}"],
            "weight_decy",
        ),
        (["--model.optimization.optimizer={name: adamw, lr: -1}"], "lr"),
    ],
)
def test_bad_values_are_clear_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], match: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli(*args)
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


# ---------------------------------------------------------------------- the adapter itself


@pytest.mark.parametrize(
    ("val", "typehint", "expected"),
    [
        (
            {"name": "linear", "warmup": 3},
            S.LRSchedulerConfig,
            {
                "class_path": "nshsched.lr_scheduler.hf.LinearSchedulerConfig",
                "init_args": {"warmup": 3},
            },
        ),
        (
            "{name: AdamW, lr: 0.1}",
            S.OptimizerConfig,
            {"class_path": "nshsched.optimizer.adam.AdamWConfig", "init_args": {"lr": 0.1}},
        ),
        ("StepLR", S.LRSchedulerConfig, "nshsched.lr_scheduler.torch_mirrors.StepLRConfig"),
        (
            {"name": "linear"},
            S.LRSchedulerConfigBase,  # the bare base class
            {"class_path": "nshsched.lr_scheduler.hf.LinearSchedulerConfig", "init_args": {}},
        ),
        # left alone: other types, the class forms, strings that are no tag
        ({"name": "linear"}, dict, {"name": "linear"}),
        (
            {"class_path": "X", "init_args": {}},
            S.LRSchedulerConfig,
            {"class_path": "X", "init_args": {}},
        ),
        ("LinearSchedulerConfig", S.LRSchedulerConfig, "LinearSchedulerConfig"),
        ("nshsched.LinearSchedulerConfig", S.LRSchedulerConfig, "nshsched.LinearSchedulerConfig"),
        ({"warmup": 3}, S.LRSchedulerConfig, {"warmup": 3}),
        (3, S.LRSchedulerConfig, 3),
    ],
)
def test_to_subclass_spec(val: Any, typehint: Any, expected: Any) -> None:
    assert to_subclass_spec(val, typehint) == expected


def test_to_subclass_spec_unknown_tag() -> None:
    with pytest.raises(ValueError, match=r"unknown name 'cosin'.*did you mean 'cosine'"):
        to_subclass_spec({"name": "cosin"}, S.LRSchedulerConfig)
    with pytest.raises(ValueError, match=r"unknown name 3"):
        to_subclass_spec({"name": 3}, S.LRSchedulerConfig)


def test_adapter_is_installed_once() -> None:
    import jsonargparse._typehints as typehints

    before = typehints.adapt_typehints
    assert getattr(before, "__nshsched_adapter__", False)  # installed by nshsched itself
    install_jsonargparse_adapter()
    assert typehints.adapt_typehints is before


class Saved(Net):
    def __init__(self, optimization: S.OptimizationConfig, width: int = 3) -> None:
        super().__init__(optimization)
        self.save_hyperparameters()


def test_cli_checkpoint_loads_back_under_weights_only(workdir: Path) -> None:
    config = write(
        workdir / "c.yaml",
        """
        model:
          optimization:
            optimizer: {name: adamw, lr: 0.01}
            scheduler: {name: linear, warmup: 1}
        trainer: {max_steps: 4, default_root_dir: .}
        """,
    )
    result = LightningCLI(
        Saved,
        args=["fit", "--config", config],
        trainer_defaults=QUIET | {"enable_checkpointing": True},
    )
    path = result.trainer.checkpoint_callback.best_model_path  # type: ignore[union-attr]
    # LightningCLI records the parsed (class_path) form and re-parses it on load
    raw = torch.load(path, weights_only=True)
    assert raw["hyper_parameters"]["optimization"]["scheduler"]["class_path"].endswith(
        "LinearSchedulerConfig"
    )
    loaded = Saved.load_from_checkpoint(path, weights_only=True)
    assert loaded.optimization == result.model.optimization
    assert loaded.optimization == S.OptimizationConfig(
        optimizer=S.AdamWConfig(lr=0.01), scheduler=S.LinearSchedulerConfig(warmup=1)
    )


DEFAULT_OPTIMIZATION = S.OptimizationConfig(
    optimizer=S.AdamWConfig(lr=1e-3), scheduler=S.CosineSchedulerConfig(warmup=2)
)
DEFAULT_SCHEDULE = S.LinearSchedulerConfig(warmup=1)


class WithDefaults(Net):
    def __init__(
        self,
        optimization: S.OptimizationConfig = DEFAULT_OPTIMIZATION,
        extra_schedule: S.LRSchedulerConfig = DEFAULT_SCHEDULE,
    ) -> None:
        super().__init__(optimization, extra_schedule)


@pytest.mark.parametrize(
    ("args", "warmups"),
    [
        ([], (2, 1)),
        (["--model.optimization.scheduler.warmup=5", "--model.extra_schedule.warmup=4"], (5, 4)),
        (["--model.extra_schedule={name: cosine, warmup: 7}"], (2, 7)),
    ],
)
def test_config_defaults_and_field_overrides(
    workdir: Path, args: list[str], warmups: tuple[int, int]
) -> None:
    model = LightningCLI(WithDefaults, run=False, args=args, trainer_defaults=TRAINER).model
    assert model.optimization.optimizer == S.AdamWConfig(lr=1e-3)
    assert isinstance(model.optimization.scheduler, S.CosineSchedulerConfig)
    assert (model.optimization.scheduler.warmup, model.extra_schedule.warmup) == warmups
