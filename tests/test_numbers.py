"""Numbers in configs (API.md §8): finite, bounded, never a bool, in torch's ranges and more."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import nshsched as S
from _strategies import SchemaStrategies
from nshsched.config.base import MAX_COUNT, MAX_MAGNITUDE
from nshsched.optimizer.base import TorchOptimizerConfigBase

# ---------------------------------------------------------------------- every numeric field


def _numeric_fields() -> Iterator[tuple[str, type[S.Config], str, str, dict[str, Any]]]:
    """(id, class, field, 'int'|'float', a valid instance's data) for every numeric field of
    every registered config, of durations and of the other built-in configs."""
    from test_preview import SAMPLES  # one valid sample per scheduler tag

    optimizer_samples = {cls: {"lr": 0.1} for cls in S.optimizer_registry}
    extra: dict[type[S.Config], dict[str, Any]] = {
        S.StepsConfig: {"value": 1},
        S.EpochsConfig: {"value": 1.0},
        S.FractionConfig: {"value": 0.5},
        S.TrainingLength: {"steps_per_epoch": 2, "total_steps": 10},
        S.ParamGroupConfig: {"name": "g", "params": ["*"]},
        S.ReduceLROnPlateauConfig: {"monitor": "val_loss"},
    }
    samples = {S.lr_scheduler_registry.get(tag): data[0] for tag, data in SAMPLES.items()}
    for cls, data in {**optimizer_samples, **samples, **extra}.items():
        if not _builtin(cls):
            continue
        for key, info in cls.model_fields.items():
            kind = _number_kind(info.annotation)
            if kind is not None:
                yield (f"{cls.__name__}.{key}", cls, key, kind, {**data})


def _builtin(cls: type) -> bool:
    """nshsched's own configs; timm's generated ones (registered by the entry point when a
    registry first meets an unknown tag, so present or not depending on the test order) are
    checked in tests/test_timm_optimizers.py."""
    return cls.__module__.startswith("nshsched.") and not cls.__module__.startswith(
        "nshsched.optimizer.timm"
    )


def _number_kind(annotation: Any) -> str | None:
    text = repr(annotation)
    if "float" in text and "tuple" not in text and "list" not in text:
        return "float"
    if "int" in text and "tuple" not in text and "list" not in text and "Literal" not in text:
        return "int"
    return None


NUMERIC = list(_numeric_fields())


def test_the_numeric_fields_are_found() -> None:
    # Guards the parametrisation below: a broken discovery would test nothing.
    ids = {case[0] for case in NUMERIC}
    assert len(NUMERIC) > 80
    assert {"AdamWConfig.lr", "StepLRConfig.step_size", "StepsConfig.value"} <= ids
    assert {"TrainingLength.total_steps", "ParamGroupConfig.lr_scale"} <= ids
    assert {"LBFGSConfig.max_iter", "ExponentialLRConfig.gamma", "CyclicLRConfig.gamma"} <= ids


@pytest.mark.parametrize(
    ("cls", "key", "kind", "data"), [c[1:] for c in NUMERIC], ids=[c[0] for c in NUMERIC]
)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, False])
def test_nan_inf_and_bools_are_refused_with_the_path(
    cls: type[S.Config], key: str, kind: str, data: dict[str, Any], bad: Any
) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        cls.model_validate({**data, key: bad})
    locs = [error["loc"] for error in info.value.errors()]
    assert all(loc[0] == key for loc in locs), locs
    types = {error["type"] for error in info.value.errors()}
    expected = "bool_is_not_a_number" if isinstance(bad, bool) else "finite_number"
    if kind == "int" and not isinstance(bad, bool):
        expected = "finite_number" if "finite_number" in types else "int_from_float"
    assert expected in types, (types, info.value)


@pytest.mark.parametrize(
    ("cls", "key", "kind", "data"), [c[1:] for c in NUMERIC], ids=[c[0] for c in NUMERIC]
)
def test_assignment_refuses_nan_and_bools(
    cls: type[S.Config], key: str, kind: str, data: dict[str, Any]
) -> None:
    config = cls.model_validate(data)
    if cls.model_config.get("frozen"):  # TrainingLength: no assignment at all
        with pytest.raises(pydantic.ValidationError, match=r"frozen"):
            setattr(config, key, math.nan)
        return
    for bad in (math.nan, True):
        with pytest.raises(pydantic.ValidationError, match=rf"(?s){key}.*(finite|boolean)"):
            setattr(config, key, bad)


@pytest.mark.parametrize(
    ("cls", "key", "kind", "data"), [c[1:] for c in NUMERIC], ids=[c[0] for c in NUMERIC]
)
def test_magnitudes_are_bounded(
    cls: type[S.Config], key: str, kind: str, data: dict[str, Any]
) -> None:
    huge = MAX_COUNT + 1 if kind == "int" else MAX_MAGNITUDE * 10
    with pytest.raises(pydantic.ValidationError, match=rf"(?s){key}: .*less than"):
        cls.model_validate({**data, key: huge})


def test_the_bounds_table() -> None:
    # 2**53 is the last integer a float64 holds exactly; 1e18 squared fits a float32.
    assert MAX_COUNT == 9_007_199_254_740_992 and float(MAX_COUNT) == MAX_COUNT
    assert float(MAX_COUNT + 1) == MAX_COUNT  # why nothing above is accepted
    assert torch.finfo(torch.float32).max > MAX_MAGNITUDE**2
    assert S.StepsConfig(value=MAX_COUNT).value == MAX_COUNT
    assert S.EpochsConfig(value=2.0**53).value == 2.0**53
    with pytest.raises(pydantic.ValidationError, match=r"value: .*less than or equal to"):
        S.EpochsConfig(value=2.0**54)
    with pytest.raises(pydantic.ValidationError, match=r"total_steps: .*less than or equal"):
        S.TrainingLength(steps_per_epoch=1, total_steps=2**60)


def test_a_nan_deep_inside_names_the_whole_path() -> None:
    data = {
        "optimizer": {"name": "adamw", "lr": 1e-3},
        "scheduler": {
            "name": "sequential",
            "phases": [
                {"schedule": {"name": "linear_lr", "total_iters": 2}, "duration": 2},
                {"schedule": {"name": "exponential_lr", "gamma": math.nan}},
            ],
        },
        "param_groups": [{"name": "head", "params": ["*"], "lr_scale": math.inf}],
    }
    with pytest.raises(pydantic.ValidationError) as info:
        S.OptimizationConfig.model_validate(data)
    locs = {error["loc"] for error in info.value.errors()}
    assert ("scheduler", "phases", 1, "schedule", "gamma") in locs
    assert ("param_groups", 0, "lr_scale") in locs


def test_json_nan_and_infinity_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"lr: .*finite number"):
        S.AdamWConfig.model_validate_json('{"lr": NaN}')
    with pytest.raises(pydantic.ValidationError, match=r"eps: .*finite number"):
        S.AdamWConfig.model_validate_json('{"lr": 1e-3, "eps": Infinity}')


def test_tuples_and_lists_of_numbers_are_checked_element_wise() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"betas\.1: .*finite number"):
        S.AdamWConfig(lr=1e-3, betas=(0.9, math.nan))  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError, match=r"milestones\.1: .*boolean True"):
        S.MultiStepLRConfig.model_validate({"milestones": [1, True]})
    with pytest.raises(pydantic.ValidationError, match=r"step_sizes\.0: .*boolean"):
        S.RpropConfig.model_validate({"lr": 0.1, "step_sizes": [True, 1.0]})


def test_a_bool_in_a_duration_or_a_count_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"step_size: .*boolean True"):
        S.StepLRConfig.model_validate({"step_size": True})
    with pytest.raises(pydantic.ValidationError, match=r"step_size\.value: .*boolean True"):
        S.StepLRConfig.model_validate({"step_size": {"kind": "steps", "value": True}})
    with pytest.raises(pydantic.ValidationError, match=r"steps_per_epoch: .*boolean True"):
        S.TrainingLength(steps_per_epoch=True, total_steps=10)  # type: ignore[arg-type]
    # Numbers written as strings (YAML 1.1 reads ``1e-3`` as one) are still numbers.
    assert S.AdamWConfig.model_validate({"lr": "1e-3"}).lr == 1e-3


def test_user_configs_follow_the_same_rules() -> None:
    class Mine(S.Config):
        rate: float = 0.5
        sizes: list[int] = pydantic.Field(default_factory=list)

    with pytest.raises(pydantic.ValidationError, match=r"rate: .*finite number"):
        Mine(rate=math.inf)
    with pytest.raises(pydantic.ValidationError, match=r"sizes\.0: .*boolean"):
        Mine.model_validate({"sizes": [True]})


# ---------------------------------------------------------------------- optimizer ranges


@pytest.mark.parametrize(
    ("cls", "field", "value", "match"),
    [
        (S.AdamWConfig, "eps", 0.0, "greater than 0"),
        (S.AdamConfig, "eps", 1e-40, "must be at least 1.18e-38"),
        (S.SparseAdamConfig, "eps", 0.0, "greater than 0"),
        (S.RMSpropConfig, "alpha", 1.5, "less than or equal to 1"),
        (S.RMSpropConfig, "momentum", 1.5, "less than or equal to 1"),
        (S.SGDConfig, "momentum", 1.01, "less than or equal to 1"),
        (S.SGDConfig, "dampening", -0.5, "greater than or equal to 0"),
        (S.ASGDConfig, "alpha", 2.0, "less than or equal to 1"),
        (S.ASGDConfig, "lambd", -1.0, "greater than or equal to 0"),
        (S.ASGDConfig, "t0", -1.0, "greater than or equal to 0"),
        (S.LBFGSConfig, "max_iter", 0, "greater than or equal to 1"),
        (S.LBFGSConfig, "max_eval", 0, "greater than or equal to 1"),
        (S.LBFGSConfig, "history_size", 0, "greater than or equal to 1"),
        (S.LBFGSConfig, "tolerance_grad", -1e-7, "greater than or equal to 0"),
        (S.MuonConfig, "ns_steps", -1, "greater than or equal to 0"),
        (S.MuonConfig, "eps", 0.0, "greater than 0"),
        (S.MuonConfig, "momentum", 2.0, "less than or equal to 1"),
        (S.AdagradConfig, "eps", 0.0, "greater than 0"),
        (S.AdadeltaConfig, "eps", 0.0, "greater than 0"),
    ],
)
def test_ranges_beyond_torchs_own_checks(
    cls: type[TorchOptimizerConfigBase], field: str, value: Any, match: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=rf"{field}: .*{match}"):
        cls.model_validate({"lr": 0.1, field: value})


def test_rprop_step_sizes_must_be_ordered() -> None:
    with pytest.raises(
        pydantic.ValidationError, match=r"step_sizes: .*lower bound 50.0 is above the upper"
    ):
        S.RpropConfig(lr=0.1, step_sizes=(50.0, 1e-6))


def test_nadam_first_momentum_must_stay_below_one_in_float32() -> None:
    # found by the floor lane's hypothesis run: torch keeps prod(mu) as a float32 scalar and
    # divides by 1 - prod(mu) at the first step (mu_1 = beta1 (1 - 0.96**psi / 2))
    kwargs = {"betas": (1 - 2**-52, 0.0), "momentum_decay": 408.0}
    param = nn.Parameter(torch.ones(2))
    param.grad = torch.ones(2)
    with pytest.raises(ZeroDivisionError):  # torch's own class, unguarded
        torch.optim.NAdam([param], lr=0.0, **kwargs).step()
    with pytest.raises(pydantic.ValidationError, match=r"betas\.0: .*which is 1 in float32"):
        S.NAdamConfig(lr=0.0, **kwargs)
    # mu_1 = (1 - 1e-7)(1 - 0.5 * 0.96**0.004): below 1 in float32, and the step is finite
    config = S.NAdamConfig(lr=0.1, betas=(1 - 1e-7, 0.0))
    optimizer = config.create_optimizer([param])
    optimizer.step()
    assert torch.isfinite(param).all()


def test_adafactor_eps1_squared_stays_a_float32() -> None:
    # torch clamps the second moment at eps1 ** 2; below ~1.08e-19 that is 0 in float32.
    with pytest.raises(pydantic.ValidationError, match=r"eps\.0: .*must be at least 1.08e-19"):
        S.AdafactorConfig(lr=0.1, eps=(1e-20, 1e-3))
    assert S.AdafactorConfig(lr=0.1, eps=(2e-19, 1e-3)).eps == (2e-19, 1e-3)


def _model_for(cls: type[TorchOptimizerConfigBase]) -> tuple[list[nn.Parameter], Any]:
    """Float32 parameters in [-1, 1] and a convex loss whose gradient is bounded by 1
    everywhere (pseudo-Huber: ``sqrt(1 + (p - target)**2)``), with one entry of exactly zero
    gradient."""
    generator = torch.Generator().manual_seed(0)

    def huber(x: torch.Tensor, scale: torch.Tensor | float = 1.0) -> torch.Tensor:
        return (scale * torch.sqrt(1 + (x - 0.5) ** 2)).sum()

    if cls is S.SparseAdamConfig:
        embedding = nn.Embedding(4, 3, sparse=True)
        nn.init.uniform_(embedding.weight, -1, 1, generator=generator)
        index = torch.tensor([0, 2])
        return list(embedding.parameters()), lambda: huber(embedding(index))
    weight = nn.Parameter(torch.rand(3, 2, generator=generator) * 2 - 1)
    scale = torch.tensor([[1.0, 0.5], [0.25, 0.0], [1.0, 2.0]])
    if cls is S.MuonConfig:  # Muon takes only 2-D parameters
        return [weight], lambda: huber(weight, scale)
    bias = nn.Parameter(torch.zeros(2))
    return [weight, bias], lambda: huber(weight, scale) + huber(bias)


OPTIMIZERS = [c for c in S.optimizer_registry if _builtin(c)]


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=[c.__name__ for c in OPTIMIZERS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_valid_optimizer_config_builds_and_steps_finite(
    cls: type[TorchOptimizerConfigBase], data: st.DataObject
) -> None:
    # Every field drawn from its schema (numbers up to their bounds, 1e18); counts of
    # iterations (LBFGS) kept small only so the steps stay fast.
    raw = data.draw(SchemaStrategies(cls.model_json_schema(), int_span=6).strategy())
    # Devices other than the CPU are not tested here.
    for key in ("fused", "capturable", "foreach", "differentiable"):
        raw.pop(key, None)
    try:
        config = cls.model_validate(raw)
    except pydantic.ValidationError as error:
        assert all(e["loc"] or e["type"] == "value_error" for e in error.errors())
        return
    params, loss = _model_for(cls)
    newer = {
        k
        for k in getattr(cls, "torch_keyword_versions", {})  # schedule-free configs: none
        if getattr(config, k) != cls.model_fields[k].default
    }
    if newer and newer - set(inspect.signature(cls.torch_class()).parameters):
        with pytest.raises(ValueError, match=r"needs torch>=2\.\d+: "):
            config.create_optimizer(params)
        return
    optimizer = config.create_optimizer(params)

    # A maximizing optimizer climbs: give it the negated loss, whose maximum is finite
    # (gradient ascent on the loss itself diverges by design, whatever the optimizer).
    sign = -1.0 if getattr(config, "maximize", False) else 1.0

    def closure_for(optimizer: torch.optim.Optimizer, loss: Any) -> Any:
        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            value = sign * loss()
            value.backward()
            return value

        return closure

    def assert_finite() -> None:
        for p in params:
            assert torch.isfinite(p).all(), (config, p)
        for state in optimizer.state.values():
            for value in state.values():
                if isinstance(value, torch.Tensor) and value.is_floating_point():
                    assert torch.isfinite(value).all(), (config, state)

    optimizer.step(closure_for(optimizer, loss))
    assert_finite()  # the first step: never broken by a config that validates (§8)
    if isinstance(config, S.RMSpropConfig) and config.centered:
        # torch's centered variance v - mean(g)**2 cancels when the gradients repeat (lr 0
        # or tiny: with alpha = 2**-9 it is alpha**3 g**2 at the third step, under float32's
        # resolution) and its square root turns nan: torch's arithmetic, which the mirror
        # keeps. After the first step, the steps equal torch's own class's, nan for nan.
        twin_params, twin_loss = _model_for(cls)
        twin = torch.optim.RMSprop(twin_params, **config.torch_kwargs())
        twin.step(closure_for(twin, twin_loss))
        for _ in range(2):
            optimizer.step(closure_for(optimizer, loss))
            twin.step(closure_for(twin, twin_loss))
        for p, q in zip(params, twin_params, strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=0, equal_nan=True)
        return
    for _ in range(2):
        optimizer.step(closure_for(optimizer, loss))
    assert_finite()
