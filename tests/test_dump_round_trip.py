"""Dumps read back as equal configs under every ``model_dump`` option (API.md §8)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import yaml

import nshsched as S
from test_preview import SAMPLES  # valid samples of every scheduler tag

OPTIONS = [
    dict(zip(("exclude_none", "exclude_defaults", "exclude_unset", "by_alias"), flags, strict=True))
    for flags in itertools.product([False, True], repeat=4)
]
OPTION_IDS = [
    "+".join(k.removeprefix("exclude_") for k, v in o.items() if v) or "plain" for o in OPTIONS
]


def _builtin(cls: type) -> bool:
    """nshsched's own configs; timm's generated ones (present once the entry point has run,
    which depends on the test order) round-trip in tests/test_timm_optimizers.py."""
    return cls.__module__.startswith("nshsched.") and not cls.__module__.startswith(
        "nshsched.optimizer.timm"
    )


def _configs() -> list[tuple[str, S.Config]]:
    configs: list[tuple[str, S.Config]] = []
    for tag, samples in SAMPLES.items():
        for i, data in enumerate(samples):
            configs.append(
                (f"{tag}[{i}]", S.lr_scheduler_registry.construct({"name": tag, **data}))
            )
    for cls in S.optimizer_registry:
        if _builtin(cls):
            configs.append((cls.__name__, cls.model_validate({"lr": 0.25})))
    configs += [
        ("adamw-set", S.AdamWConfig(lr=0.1, betas=(0.8, 0.9), weight_decay=0.0, foreach=None)),
        ("adafactor-eps", S.AdafactorConfig(lr=0.1, eps=(None, 1e-4))),
        ("steps", S.StepsConfig(value=3)),
        ("epochs", S.EpochsConfig(value=1.5)),
        ("fraction", S.FractionConfig(value=0.25)),
        ("length", S.TrainingLength(steps_per_epoch=4, total_steps=20)),
        ("optimization", _optimization()),
    ]
    return configs


def _optimization() -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "scheduler": {"name": "cosine", "warmup": {"kind": "fraction", "value": 0.1}},
            "param_groups": [
                {"name": "frozen_lr", "params": ["a.*"], "scheduler": None},
                {"name": "inherits", "params": ["b.*"], "lr_scale": 0.5},
                {"name": "explicit", "params": ["c.*"], "scheduler": "inherit", "lr": 1e-4},
                {
                    "name": "own",
                    "params": ["d.*"],
                    "scheduler": {"name": "step_lr", "step_size": {"kind": "epochs", "value": 1}},
                },
            ],
            "no_weight_decay": True,
        }
    )


CONFIGS = _configs()


def test_every_registered_tag_has_a_sample() -> None:
    names = {
        type(c).model_fields["name"].default for _, c in CONFIGS if "name" in type(c).model_fields
    }
    builtin = {
        t
        for r in (S.optimizer_registry, S.lr_scheduler_registry)
        for t in r.tags()
        if _builtin(r.get(t))
    }
    assert builtin <= names


@pytest.mark.parametrize("options", OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("mode", ["python", "json"])
@pytest.mark.parametrize(("config"), [c for _, c in CONFIGS], ids=[i for i, _ in CONFIGS])
def test_model_dump_round_trips(config: S.Config, mode: str, options: dict[str, bool]) -> None:
    cls = type(config)
    dumped = config.model_dump(mode=mode, **options)  # type: ignore[arg-type]
    assert cls.model_validate(dumped) == config
    if mode == "json":
        assert cls.model_validate_json(config.model_dump_json(**options)) == config
        # ... and through a YAML file, the way configs are written by hand.
        assert cls.model_validate(yaml.safe_load(yaml.safe_dump(dumped))) == config
    # Tags are always written, so the dump also reads back through the registry.
    for registry in (S.optimizer_registry, S.lr_scheduler_registry):
        if isinstance(config, registry.base_cls):
            assert dumped["name"] == type(config).model_fields["name"].default
            assert registry.construct(dumped) == config


@pytest.mark.parametrize("options", OPTIONS, ids=OPTION_IDS)
def test_tags_and_kinds_are_always_written(options: dict[str, bool]) -> None:
    config = S.StepLRConfig.model_validate({"step_size": {"kind": "steps", "value": 3}})
    assert config.model_dump(**options)["step_size"] == {"kind": "steps", "value": 3}
    assert config.model_dump(**options)["name"] == "step_lr"
    assert S.EpochsConfig(value=1).model_dump(**options) == {"kind": "epochs", "value": 1.0}


def test_a_groups_none_scheduler_survives_exclude_none() -> None:
    group = S.ParamGroupConfig(name="g", params=["*"], scheduler=None)
    assert group.model_dump()["scheduler"] is None  # plainly, None is written as None
    assert group.model_dump(exclude_none=True)["scheduler"] == "none"
    assert (
        S.ParamGroupConfig.model_validate({"name": "g", "params": ["*"], "scheduler": "none"})
        == group
    )
    inherit = S.ParamGroupConfig(name="g", params=["*"])
    assert "scheduler" not in inherit.model_dump(exclude_defaults=True)
    assert S.ParamGroupConfig.model_validate(inherit.model_dump(exclude_defaults=True)) == inherit


def test_an_excluded_field_is_not_written_back() -> None:
    # The tag rule adds tags dropped by exclude_defaults/unset, not what the caller excludes.
    data: dict[str, Any] = S.AdamWConfig(lr=0.1).model_dump(exclude={"eps"})
    assert "eps" not in data and data["name"] == "adamw"
