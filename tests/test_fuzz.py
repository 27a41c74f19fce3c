"""Fuzzing configs drawn from the registries' JSON schema, valid and mutated (API.md §8).

Every draw ends one of two ways:

- a ``pydantic.ValidationError`` whose errors each carry a location (a mutated value is
  named by its path), or a ``ValueError`` with a message when the scheduler is created
  (a per-group name that matches no group, a schedule that would overflow);
- a config that builds on a tiny model, steps its whole horizon with finite LRs >= 0,
  reads back equal from YAML and JSON, and whose ``S.preview`` equals stepping ``build()``'s
  scheduler by hand (relative tolerance 1e-9).

Run longer with ``NSHSCHED_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from typing import Any

import numpy as np
import pydantic
import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import nshsched as S
from _helpers.stepping import BodyHead, build_stepped
from _strategies import NAMES, SchemaStrategies, mutate

RTOL = 1e-9
EXAMPLES = int(os.environ.get("NSHSCHED_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    # The default run (CI) draws the same examples every time: it cannot flake. A longer
    # run (NSHSCHED_FUZZ_EXAMPLES set) explores new ones.
    derandomize="NSHSCHED_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

GROUPS = ["head", "body", "default"]


def _user_classes(registry: S.Registry[Any]) -> frozenset[str]:
    """Classes registered by other tests: not fuzzed here (their rules are their own)."""
    return frozenset(c.__name__ for c in registry if not c.__module__.startswith("nshsched."))


SCHEDULES = SchemaStrategies(
    TypeAdapter(S.LRSchedulerConfig).json_schema(),
    int_span=8,
    # Group names: mostly those the model has, sometimes one it lacks.
    names=st.sampled_from(GROUPS) | NAMES,
    exclude=_user_classes(S.lr_scheduler_registry),
)
OPTIMIZERS = SchemaStrategies(
    TypeAdapter(S.OptimizerConfig).json_schema(),
    int_span=6,
    exclude=_user_classes(S.optimizer_registry),
)
LENGTHS = st.builds(
    lambda spe, epochs: S.TrainingLength(steps_per_epoch=spe, total_steps=spe * epochs),
    st.integers(1, 5),
    st.integers(1, 6),
)


Net = BodyHead  # 3 -> 4 -> 1


def _optimization(schedule: S.LRSchedulerConfigBase, own: Any = "inherit") -> S.OptimizationConfig:
    """SGD on :class:`Net` with ``schedule`` global; the ``head`` group has ``own`` schedule."""
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "scheduler": schedule,
            "param_groups": [
                {"name": "head", "params": ["head.*"], "lr_scale": 10.0, "scheduler": own},
                {"name": "body", "params": ["body.weight"], "lr": 0.02},
            ],
        }
    )


def _assert_located(error: pydantic.ValidationError, data: Any, path: tuple[Any, ...]) -> None:
    """Every error has a message and a location; a hostile value is found where it is."""
    errors = error.errors()
    assert errors
    for e in errors:
        assert isinstance(e["loc"], tuple) and e["msg"]
    keys = [k for k in path if isinstance(k, str)]
    while keys and keys[-1] in ("name", "kind"):  # a tag is reported where it is read
        keys.pop()
    if keys:
        located = [e for e in errors if keys[-1] in e["loc"] or e["type"] == "extra_forbidden"]
        model_level = [e for e in errors if e["type"] in ("value_error", "assertion_error")]
        assert located or model_level, (path, errors)


def _check_schedule(
    config: S.LRSchedulerConfigBase, length: S.TrainingLength, own: Any = "inherit"
) -> None:
    # Round trips through the two file formats.
    dumped = config.model_dump(mode="json")
    assert S.lr_scheduler_registry.construct(yaml.safe_load(yaml.safe_dump(dumped))) == config
    assert S.lr_scheduler_registry.construct(json.loads(config.model_dump_json())) == config
    oc = _optimization(config, own)
    text = oc.model_dump_json(exclude_none=True, exclude_defaults=True)
    assert S.OptimizationConfig.model_validate(yaml.safe_load(text)) == oc  # JSON is YAML
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # horizon checks, "global and own scheduler"
        try:
            stepped = build_stepped(oc, Net(), length)
        except ValueError as error:  # a clear error at creation is an allowed outcome
            assert str(error) and len(str(error)) < 2000
            return
        previewed = S.preview(oc, length, model=Net())
    assert stepped.shape == (length.total_steps + 1, 3)
    assert np.isfinite(stepped).all() and (stepped >= 0).all(), (config, stepped)
    np.testing.assert_allclose(previewed, stepped, rtol=RTOL, atol=1e-15, err_msg=str(config))


@FUZZ
@given(
    data=SCHEDULES.strategy(),
    length=LENGTHS,
    own=st.sampled_from(["inherit", "inherit", None]) | SCHEDULES.strategy(),
)
def test_fuzz_schedules(data: dict[str, Any], length: S.TrainingLength, own: Any) -> None:
    try:
        config = S.lr_scheduler_registry.construct(data)
        if isinstance(own, dict):
            own = S.lr_scheduler_registry.construct(own)
    except pydantic.ValidationError as error:
        _assert_located(error, data, ())
        return
    try:
        _optimization(config, own)
    except pydantic.ValidationError as error:  # e.g. a per_group config as a group's own
        _assert_located(error, own, ())
        return
    _check_schedule(config, length, own)


@FUZZ
@given(
    data=SCHEDULES.strategy().flatmap(lambda d: st.tuples(st.just(d), mutate(d))), length=LENGTHS
)
def test_fuzz_mutated_schedules(
    data: tuple[dict[str, Any], tuple[Any, tuple[Any, ...]]], length: S.TrainingLength
) -> None:
    _, (mutated, path) = data
    try:
        config = S.lr_scheduler_registry.construct(mutated)
    except pydantic.ValidationError as error:
        _assert_located(error, mutated, path)
        return
    _check_schedule(config, length)


@FUZZ
@given(data=OPTIMIZERS.strategy().flatmap(lambda d: st.tuples(st.just(d), mutate(d))))
def test_fuzz_mutated_optimizers(data: tuple[dict[str, Any], tuple[Any, tuple[Any, ...]]]) -> None:
    _, (mutated, path) = data
    for key in ("fused", "capturable", "foreach", "differentiable"):  # CPU only here
        if isinstance(mutated, dict):
            mutated.pop(key, None)
    try:
        config = S.optimizer_registry.construct(mutated)
    except pydantic.ValidationError as error:
        _assert_located(error, mutated, path)
        return
    if config.name in ("sparse_adam", "muon", "lbfgs"):  # type: ignore[attr-defined]
        return  # their own parameter shapes and closures: tests/test_numbers.py
    weight = torch.nn.Parameter(torch.linspace(-1, 1, 6).reshape(3, 2))
    try:
        optimizer = config.create_optimizer([weight])
    except ValueError as error:  # a keyword newer than the installed torch, set
        assert "needs torch>=" in str(error)
        return
    for _ in range(3):
        optimizer.zero_grad()
        torch.sqrt(1 + (weight - 0.5) ** 2).sum().backward()
        optimizer.step()
    assert torch.isfinite(weight).all(), config


def test_mutate_puts_the_hostile_value_where_it_says() -> None:
    # The fuzzer's own mutation: a value at a path, or an unknown key beside it.
    @given(mutate({"a": {"b": [1, 2]}, "c": 3.0}))
    @settings(max_examples=30, deadline=None)
    def check(result: tuple[Any, tuple[Any, ...]]) -> None:
        mutated, path = result
        node = mutated
        for key in path:
            node = node[key]
        assert node is not None or path[-1] in ("a", "b", "c", 0, 1, "unknown_field")

    check()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "step_lr", "step_size": math.nan},
        {"name": "cosine", "warmup": {"kind": "steps", "value": True}},
        {
            "name": "sequential",
            "phases": [{"schedule": {"name": "linear_lr", "end_factor": math.inf}}],
        },
    ],
)
def test_known_hostile_inputs_are_located(data: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        S.lr_scheduler_registry.construct(data)
    assert all(e["loc"] for e in info.value.errors())
