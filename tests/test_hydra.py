"""OmegaConf containers wherever nshsched takes a dict or a list, and presets in Hydra's
ConfigStore: the RL reference's command line, with a real ``compose`` and a real
``@hydra.main`` application."""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path
from typing import Any

import pydantic
import pytest

omegaconf = pytest.importorskip("omegaconf")
hydra = pytest.importorskip("hydra")

from hydra import compose, initialize  # noqa: E402
from hydra.core.config_store import ConfigStore  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

import nshsched as S  # noqa: E402
from _helpers.processes import output_of, run_python  # noqa: E402
from nshsched import presets  # noqa: E402

LENGTH = S.TrainingLength(steps_per_epoch=100, total_steps=1000)


# ---------------------------------------------------------------------- OmegaConf input


def test_registry_reads_a_dictconfig_with_interpolations() -> None:
    cfg = OmegaConf.create(
        {
            "warm": 30,
            "total": 300,
            "sched": {
                "name": "linear",
                "warmup": "${warm}",
                "total": {"kind": "steps", "value": "${total}"},
            },
        }
    )
    sched = S.lr_scheduler_registry.construct(cfg.sched)
    assert isinstance(sched, S.LinearSchedulerConfig)
    assert sched.warmup == 30
    assert sched.total == S.StepsConfig(value=300)


def test_optimization_config_from_dictconfig_and_listconfig() -> None:
    cfg = OmegaConf.create(
        {
            "lr": 0.01,
            "optim": {
                "optimizer": {"name": "AdamW", "lr": "${lr}"},
                "scheduler": {
                    "name": "step_decay",
                    "intervals": [
                        {"start": 0, "end": 5, "lr": "${lr}"},
                        {"start": 5, "end": 10, "lr": 0.001},
                    ],
                },
                "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 10}],
            },
        }
    )
    a = S.OptimizationConfig.model_validate(cfg.optim)
    b = S.OptimizationConfig(**cfg.optim)  # keyword arguments holding DictConfig/ListConfig
    assert a == b
    assert a.optimizer.lr == 0.01 and a.optimizer.name == "adamw"
    assert a.scheduler.intervals[0].lr == 0.01
    assert a.param_groups[0].params == ["head.*"]
    assert type(a.param_groups[0].params) is list


def test_dictconfig_inside_plain_pydantic_models() -> None:
    class Experiment(pydantic.BaseModel):
        schedule: S.LRSchedulerConfig
        extra: list[S.LRSchedulerConfig] = []
        by_name: dict[str, S.LRSchedulerConfig | None] = {}

    cfg = OmegaConf.create(
        {
            "w": 3,
            "schedule": {"name": "cosine", "warmup": "${w}"},
            "extra": [{"name": "constant"}],
            "by_name": {"a": {"name": "linear"}, "b": None},
        }
    )
    exp = Experiment.model_validate(cfg)
    assert exp.schedule == S.CosineSchedulerConfig(warmup=3)
    assert exp.extra == [S.ConstantSchedulerConfig()]
    assert exp.by_name == {"a": S.LinearSchedulerConfig(), "b": None}


def test_missing_value_is_a_validation_error_naming_the_key() -> None:
    cfg = OmegaConf.create({"sched": {"name": "linear", "warmup": "???"}})
    with pytest.raises(
        pydantic.ValidationError, match=r"cannot read the OmegaConf config: .*warmup"
    ):
        S.lr_scheduler_registry.construct(cfg.sched)
    cfg = OmegaConf.create({"optimizer": {"name": "sgd", "lr": "${nowhere}"}})
    with pytest.raises(
        pydantic.ValidationError, match=r"cannot read the OmegaConf config: .*nowhere"
    ):
        S.OptimizationConfig.model_validate(cfg)


def test_omegaconf_values_are_validated_like_plain_ones() -> None:
    cfg = OmegaConf.create({"name": "linaer"})
    with pytest.raises(pydantic.ValidationError, match="did you mean 'linear'"):
        S.lr_scheduler_registry.construct(cfg)
    cfg = OmegaConf.create({"optimizer": {"name": "sgd", "lr": 0.1, "weight_decy": 0.1}})
    with pytest.raises(pydantic.ValidationError, match="weight_decy"):
        S.OptimizationConfig.model_validate(cfg)


# ---------------------------------------------------------------------- ConfigStore


@pytest.fixture
def clean_store():
    """Hydra's ConfigStore is process-wide: groups stored by a test are removed after it."""
    store = ConfigStore.instance()
    before = set(store.repo)
    yield store
    for key in set(store.repo) - before:
        del store.repo[key]


def _differential_actor_lr(t: int, init_lr: float, total: int = 1000) -> float:
    """The `differential` preset's actor: init_lr * 0.99 ** floor(t / (0.01 * total))."""
    return init_lr * 0.99 ** math.floor(t / (0.01 * total))


def test_register_presets_stores_every_preset(clean_store) -> None:
    names = S.hydra.register_presets(group="lr_schedule_t1")
    assert names == presets.names()
    assert {"constant", "gentle_decay", "differential", "warmup_cosine"} <= set(names)
    options = clean_store.list("lr_schedule_t1")
    assert sorted(o.removesuffix(".yaml") for o in options) == names


def test_rl_reference_command_line_with_compose(clean_store) -> None:
    S.hydra.register_presets(group="lr_schedule")
    clean_store.store(
        name="train", node={"defaults": ["_self_", {"lr_schedule": "constant"}], "seed": 1}
    )
    with initialize(version_base=None, config_path=None):
        default = compose(config_name="train")
        cfg = compose(
            config_name="train",
            overrides=[
                "lr_schedule=differential",
                "lr_schedule.groups.actor.intervals.0.init_lr=1.5e-4",
            ],
        )
    assert S.lr_scheduler_registry.construct(default.lr_schedule) == S.ConstantSchedulerConfig()
    sched = S.lr_scheduler_registry.construct(cfg.lr_schedule)
    assert isinstance(sched, S.PerGroupSchedulerConfig)
    assert sched.groups["actor"].intervals[0].init_lr == 1.5e-4
    assert sched.groups["actor"].intervals[0].decay_rate == 0.99  # the rest of the preset is kept
    lrs = S.preview(sched, LENGTH, {"encoder": 1.0, "actor": 1.0, "critic": 1.0})
    # expected values: encoder 8e-5 throughout; actor decays from 1.5e-4 every 10 steps;
    # critic 1.5e-4 until 0.1667 * 1000 = 167 steps (rounded), then 5e-5
    table = {
        0: (8e-5, 1.5e-4, 1.5e-4),
        10: (8e-5, 1.485e-4, 1.5e-4),
        500: (8e-5, 1.5e-4 * 0.99**50, 5e-5),
    }
    for t, row in table.items():
        assert lrs[t].tolist() == pytest.approx(row, rel=1e-9)
    for t in (0, 9, 10, 99, 500, 999):
        assert lrs[t, 1] == pytest.approx(_differential_actor_lr(t, 1.5e-4), rel=1e-9)


def test_register_presets_with_a_user_directory_and_nested_group(
    tmp_path: Path, clean_store
) -> None:
    (tmp_path / "mine.yaml").write_text(
        "# mine\nname: cosine\nwarmup: {kind: fraction, value: 0.2}\n"
    )
    names = S.hydra.register_presets(group="optim/schedule", dirs=[tmp_path])
    assert "mine" in names
    with initialize(version_base=None, config_path=None):
        cfg = compose(overrides=["+optim/schedule=mine", "optim.schedule.warmup.value=0.5"])
    sched = S.lr_scheduler_registry.construct(cfg.optim.schedule)
    assert sched == S.CosineSchedulerConfig(warmup=S.FractionConfig(value=0.5))


def test_register_presets_refuses_a_broken_preset_before_storing_any(
    tmp_path: Path, clean_store
) -> None:
    (tmp_path / "broken.yaml").write_text("name: cosine\nwarmup_typo: 3\n")
    with pytest.raises(pydantic.ValidationError, match="warmup_typo"):
        S.hydra.register_presets(group="lr_schedule_t2", dirs=[tmp_path])
    assert "lr_schedule_t2" not in clean_store.repo


@pytest.mark.parametrize("group", ["", "  ", "/"])
def test_register_presets_refuses_an_empty_group(group: str) -> None:
    with pytest.raises(ValueError, match="group must be a non-empty config group"):
        S.hydra.register_presets(group=group)


DOC = Path(__file__).resolve().parents[1] / "docs" / "hydra.md"


def doc_block(title: str) -> str:
    """The code block of docs/hydra.md titled ``title``."""
    m = re.search(rf'^```\w+ title="{re.escape(title)}"\n(.*?)^```$', DOC.read_text(), re.S | re.M)
    assert m, f"no block titled {title!r} in {DOC}"
    return m.group(1)


def test_rl_reference_command_line_with_the_docs_hydra_main_app(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "train.yaml").write_text(doc_block("conf/train.yaml"))
    (tmp_path / "train.py").write_text(doc_block("train.py"))
    command = shlex.split(doc_block("command line"))
    assert command[:2] == ["python", "train.py"]
    assert command[2:] == [
        "lr_schedule=differential",
        "lr_schedule.groups.actor.intervals.0.init_lr=1.5e-4",
    ]
    result = run_python(
        "train.py",
        *command[2:],
        "hydra.run.dir=.",
        "hydra.output_subdir=null",
        "hydra/job_logging=none",
        "hydra/hydra_logging=none",
        cwd=tmp_path,
    )
    out: dict[str, Any] = json.loads(output_of(result).strip().splitlines()[-1])
    assert out == {"schedule": "per_group", "lr_at_step_0": [8e-05, 0.00015, 0.00015]}
    # the output the page shows is this output
    assert json.dumps(out) in DOC.read_text()
