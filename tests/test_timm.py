"""The timm mirrors: step for step against timm's own scheduler classes, on several groups.

timm is a real, installed peer, imported normally (the README's test command installs it,
with the torchvision it needs); see ``require_timm`` in ``tests/_helpers/lanes.py`` for CI's floor
lane, where it cannot be installed.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError

import nshsched as S
from _helpers.lanes import require_timm
from _helpers.stepping import config_stepped, group_optimizer

timm_scheduler = require_timm("timm.scheduler")

TIMM_CLASSES = {
    "timm_cosine": timm_scheduler.CosineLRScheduler,
    "timm_tanh": timm_scheduler.TanhLRScheduler,
    "timm_step": timm_scheduler.StepLRScheduler,
    "timm_multistep": timm_scheduler.MultiStepLRScheduler,
    "timm_poly": timm_scheduler.PolyLRScheduler,
}

BASES = (0.1, 1.0, 0.025)
SPE = 4  # optimizer steps per epoch
EPOCHS = 30

# Arguments passed verbatim to both timm's class and the nshsched config (timm's names).
CASES: dict[str, list[dict[str, Any]]] = {
    "timm_cosine": [
        {"t_initial": 10},
        {"t_initial": 8, "lr_min": 0.01, "warmup_t": 3, "warmup_lr_init": 0.001},
        {
            "t_initial": 8,
            "lr_min": 0.01,
            "warmup_t": 3,
            "warmup_lr_init": 0.002,
            "warmup_prefix": True,
        },
        {"t_initial": 5, "cycle_limit": 4, "cycle_decay": 0.5, "lr_min": 0.005},
        {"t_initial": 5, "cycle_limit": 0, "lr_min": 0.005},  # lr_min after the first step
        {"t_initial": 3, "cycle_mul": 2.0, "cycle_limit": 3, "cycle_decay": 0.7},
        {"t_initial": 6, "cycle_mul": 1.5, "cycle_limit": 5, "k_decay": 2.0, "warmup_t": 2},
        {"t_initial": 70, "cycle_mul": 0.5, "cycle_limit": 3, "lr_min": 0.003},
    ],
    "timm_tanh": [
        {"t_initial": 10},
        {"t_initial": 8, "lr_min": 0.01, "warmup_t": 3, "warmup_lr_init": 0.001},
        {"t_initial": 8, "warmup_t": 4, "warmup_lr_init": 0.001, "warmup_prefix": True},
        {"t_initial": 5, "lb": -4.0, "ub": 5.0, "cycle_limit": 3, "cycle_decay": 0.8},
        {"t_initial": 4, "cycle_mul": 2.0, "cycle_limit": 3, "lr_min": 0.002},
    ],
    "timm_poly": [
        {"t_initial": 10},
        {"t_initial": 12, "power": 2.0, "lr_min": 0.01, "warmup_t": 3, "warmup_lr_init": 0.001},
        {"t_initial": 5, "power": 1.0, "cycle_limit": 3, "cycle_decay": 0.5, "k_decay": 0.5},
        {"t_initial": 4, "cycle_mul": 2.0, "cycle_limit": 3, "warmup_t": 2, "warmup_prefix": True},
    ],
    "timm_step": [
        {"decay_t": 5},
        {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 4, "warmup_lr_init": 0.001},
        {"decay_t": 2.5, "decay_rate": 0.7, "warmup_t": 2, "warmup_prefix": False},
    ],
    "timm_multistep": [
        {"decay_t": [5, 10]},
        {"decay_t": [3, 8, 20], "decay_rate": 0.5, "warmup_t": 4, "warmup_lr_init": 0.001},
        {"decay_t": [0, 1, 6], "decay_rate": 0.3, "warmup_t": 2, "warmup_prefix": False},
        {"decay_t": [0, 1, 6], "decay_rate": 0.3},  # before the first step: the base LR
        {"decay_t": [1, 4], "decay_rate": 0.5, "warmup_prefix": False},
    ],
}


def make_optimizer() -> torch.optim.Optimizer:
    return group_optimizer(BASES, names=True, momentum=0.9)


def timm_lrs(tag: str, kwargs: dict[str, Any], t_in_epochs: bool) -> np.ndarray:
    """LRs at every optimizer step 0..total, timm stepped as timm's train script steps it:
    ``step_update(updates)`` after each update, ``step(epoch + 1)`` after each epoch."""
    optimizer = make_optimizer()
    scheduler = TIMM_CLASSES[tag](optimizer, t_in_epochs=t_in_epochs, **kwargs)
    out = [[g["lr"] for g in optimizer.param_groups]]
    updates = 0
    for epoch in range(EPOCHS):
        for _ in range(SPE):
            optimizer.step()
            updates += 1
            scheduler.step_update(num_updates=updates)
            if updates % SPE == 0:
                scheduler.step(epoch + 1)
            out.append([g["lr"] for g in optimizer.param_groups])
    return np.array(out)


def nshsched_lrs(config: S.LRSchedulerConfigBase) -> np.ndarray:
    """LRs at every optimizer step 0..total, stepped as Lightning steps the scheduler dict."""
    optimizer = make_optimizer()
    spec = config.create_scheduler(
        optimizer, S.TrainingLength(steps_per_epoch=SPE, total_steps=SPE * EPOCHS)
    )
    out = [[g["lr"] for g in optimizer.param_groups]]
    for t in range(1, SPE * EPOCHS + 1):
        optimizer.step()
        if spec["interval"] == "step" or t % SPE == 0:
            spec["scheduler"].step()
        out.append([g["lr"] for g in optimizer.param_groups])
    return np.array(out)


@pytest.mark.parametrize("t_in_epochs", [True, False])
@pytest.mark.parametrize(
    ("tag", "kwargs"), [(tag, kw) for tag, cases in CASES.items() for kw in cases]
)
def test_step_for_step_equal_to_timm(tag: str, kwargs: dict[str, Any], t_in_epochs: bool) -> None:
    config = S.lr_scheduler_registry.construct({"name": tag, "t_in_epochs": t_in_epochs, **kwargs})
    assert config.resolved_metadata()["interval"] == ("epoch" if t_in_epochs else "step")
    expected = timm_lrs(tag, kwargs, t_in_epochs)
    got = nshsched_lrs(config)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, err_msg=f"{tag} {kwargs}")
    # preview agrees with the stepped scheduler
    length = S.TrainingLength(steps_per_epoch=SPE, total_steps=SPE * EPOCHS)
    np.testing.assert_allclose(S.preview(config, length, list(BASES)), got, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("t_in_epochs", [True, False])
@pytest.mark.parametrize("tag", sorted(TIMM_CLASSES))
def test_interval_alone_sets_t_in_epochs(tag: str, t_in_epochs: bool) -> None:
    # issue 18 item 4 (§11.1): a value given alone sets the other; timm's curve follows
    kwargs = CASES[tag][0]
    interval = "epoch" if t_in_epochs else "step"
    config = S.lr_scheduler_registry.construct({"name": tag, "interval": interval, **kwargs})
    assert config.t_in_epochs is t_in_epochs
    assert config.resolved_metadata()["interval"] == interval
    both = S.lr_scheduler_registry.construct(
        {"name": tag, "interval": interval, "t_in_epochs": t_in_epochs, **kwargs}
    )
    assert both == config
    np.testing.assert_allclose(
        nshsched_lrs(config), timm_lrs(tag, kwargs, t_in_epochs), rtol=1e-12, atol=1e-15
    )
    # assigning interval later moves t_in_epochs along, as long as t_in_epochs was not given
    config.interval = "step" if t_in_epochs else "epoch"
    assert config.t_in_epochs is not t_in_epochs
    given = S.lr_scheduler_registry.construct({"name": tag, "t_in_epochs": t_in_epochs, **kwargs})
    with pytest.raises(ValidationError, match="contradicts t_in_epochs"):
        given.interval = "step" if t_in_epochs else "epoch"


@pytest.mark.parametrize("tag", sorted(TIMM_CLASSES))
def test_fields_are_timm_keywords_with_timm_defaults(tag: str) -> None:
    cls = S.lr_scheduler_registry.get(tag)
    params = inspect.signature(TIMM_CLASSES[tag].__init__).parameters
    ours = {
        n: f
        for n, f in cls.model_fields.items()
        if n not in ("name", "interval", "frequency", "monitor")
    }
    # nshsched-wide fields (resume and horizon policies on newer versions) are not timm's
    ours = {n: f for n, f in ours.items() if n in params or not n.startswith(("on_", "horizon"))}
    for name, field in ours.items():
        assert name in params, f"{tag}.{name} is not a keyword of {TIMM_CLASSES[tag].__name__}"
        default = params[name].default
        if default is inspect.Parameter.empty:
            assert field.is_required(), f"{tag}.{name} must be required as in timm"
        else:
            assert field.default == default, f"{tag}.{name}: {field.default!r} != timm {default!r}"
    refused = {
        "noise_range_t",
        "noise_pct",
        "noise_std",
        "noise_seed",
        "noise_type",
        "initialize",
        "optimizer",
        "self",
    }
    missing = set(params) - set(ours) - refused
    assert not missing, f"timm keywords without a field: {sorted(missing)}"


# ---------------------------------------------------------------------- tables and formulas


def test_cosine_table_and_formula() -> None:
    # t_initial 4, lr_min 0.1, base 1: lr(u) = 0.1 + 0.9 * (1 + cos(pi u / 4)) / 2, then 0.1
    cfg = S.TimmCosineConfig(t_initial=4, lr_min=0.1, t_in_epochs=False)
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=6, total_steps=6), [1.0])[:, 0]
    table = [1.0, 0.8681980515, 0.55, 0.2318019485, 0.1, 0.1, 0.1]
    np.testing.assert_allclose(lrs, table, rtol=0, atol=1e-10)
    formula = [0.1 + 0.9 * (1 + math.cos(math.pi * u / 4)) / 2 if u < 4 else 0.1 for u in range(7)]
    np.testing.assert_allclose(lrs, formula, rtol=1e-12)


def test_absolute_lr_min_and_warmup_lr_init_are_the_same_for_every_group() -> None:
    # warmup 2 from 0.01, then cosine (no prefix: runs on t) down to lr_min 0.05
    cfg = S.TimmCosineConfig(
        t_initial=4, lr_min=0.05, warmup_t=2, warmup_lr_init=0.01, t_in_epochs=False
    )
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5), [1.0, 0.2])
    np.testing.assert_allclose(lrs[0], [0.01, 0.01], atol=1e-15)  # warmup_lr_init, absolute
    np.testing.assert_allclose(lrs[1], [0.01 + 0.99 / 2, 0.01 + 0.19 / 2], rtol=1e-12)
    for base, col in ((1.0, 0), (0.2, 1)):  # t = 2, 3: the cosine at its own t
        for t in (2, 3):
            want = 0.05 + (base - 0.05) * (1 + math.cos(math.pi * t / 4)) / 2
            assert lrs[t, col] == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(lrs[4:], 0.05, rtol=1e-12)


def test_multistep_milestone_applies_one_step_early_as_in_timm() -> None:
    cfg = S.TimmMultiStepConfig(decay_t=[3, 5], decay_rate=0.5, t_in_epochs=False)
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=7, total_steps=7), [1.0])[:, 0]
    assert lrs.tolist() == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]


def test_tanh_formula() -> None:
    cfg = S.TimmTanhConfig(t_initial=5, lb=-6.0, ub=4.0, t_in_epochs=False)
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=6, total_steps=6), [2.0])[:, 0]
    assert lrs[0] == 2.0  # before timm's first step: the base LR
    for u in range(1, 5):
        r = u / 5
        assert lrs[u] == pytest.approx(
            2.0 * 0.5 * (1 - math.tanh(-6.0 * (1 - r) + 4.0 * r)), rel=1e-12
        )
    assert lrs[5] == 0.0 and lrs[6] == 0.0  # past cycle_limit = 1: lr_min


def test_shrinking_cycles_end_at_lr_min_where_timm_fails() -> None:
    # cycle_mul 0.5, t_initial 4: cycles of 4, 2, 1, ... sum to 8; timm's log fails past it.
    cfg = S.TimmCosineConfig(
        t_initial=4, cycle_mul=0.5, cycle_limit=100, lr_min=0.1, t_in_epochs=False
    )
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=20, total_steps=20), [1.0])[:, 0]
    assert np.all(np.isfinite(lrs))
    np.testing.assert_allclose(lrs[9:], 0.1, rtol=1e-12)


def test_durations_and_interval() -> None:
    cfg = S.TimmCosineConfig(t_initial={"kind": "fraction", "value": 0.5}, t_in_epochs=True)
    length = S.TrainingLength(steps_per_epoch=10, total_steps=100)  # 10 epochs: t_initial 5
    lrs = S.preview(cfg, length, [1.0])[:, 0]
    assert lrs[9] == 1.0 and lrs[10] == pytest.approx((1 + math.cos(math.pi / 5)) / 2)
    assert np.all(lrs[50:] == 0.0)


# ---------------------------------------------------------------------- refused input


@pytest.mark.parametrize(
    "key", ["noise_range_t", "noise_pct", "noise_std", "noise_seed", "noise_type"]
)
def test_noise_is_refused(key: str) -> None:
    with pytest.raises(
        ValidationError, match=f"timm_cosine: {key}=.* is not accepted: noise is not supported"
    ):
        S.lr_scheduler_registry.construct({"name": "timm_cosine", "t_initial": 5, key: 0.5})


def test_other_refusals() -> None:
    with pytest.raises(ValidationError, match=r"warmup=.*use warmup_t"):
        S.lr_scheduler_registry.construct({"name": "timm_step", "decay_t": 2, "warmup": 3})
    with pytest.raises(ValidationError, match="initialize=False is not accepted"):
        S.lr_scheduler_registry.construct(
            {"name": "timm_poly", "t_initial": 2, "initialize": False}
        )
    with pytest.raises(ValidationError, match="interval='step' contradicts t_in_epochs=True"):
        S.TimmCosineConfig(t_initial=5, interval="step", t_in_epochs=True)
    with pytest.raises(ValidationError, match=r"lb must be < ub, got lb=3\.0, ub=3\.0"):
        S.TimmTanhConfig(t_initial=5, lb=3.0)
    with pytest.raises(ValidationError, match=r"decay_t must be sorted, got \[5, 3\]"):
        S.TimmMultiStepConfig(decay_t=[5, 3])
    with pytest.raises(ValidationError, match="t_initial"):
        S.TimmCosineConfig(t_initial=0)
    with pytest.raises(ValidationError, match="lr_min"):
        S.TimmCosineConfig(t_initial=3, lr_min=float("nan"))
    with pytest.raises(ValidationError, match="decay_t"):
        S.TimmStepConfig(decay_t=0)
    long = {"name": "timm_cosine", "t_initial": 5, "noise_seed": "x" * 1000}
    with pytest.raises(ValidationError) as info:
        S.lr_scheduler_registry.construct(long)
    assert "x" * 300 not in str(info.value)


def test_a_duration_too_short_is_an_error_naming_the_field() -> None:
    cfg = S.TimmCosineConfig(t_initial={"kind": "steps", "value": 1})  # 1 step of 100 = 0 epochs
    with pytest.raises(
        ValueError, match=r"TimmCosineConfig.t_initial=.* is 0 epochs .* at least 1"
    ):
        S.preview(cfg, S.TrainingLength(steps_per_epoch=100, total_steps=1000))


# ---------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    tag=st.sampled_from(["timm_cosine", "timm_tanh", "timm_poly"]),
    t_initial=st.integers(1, 12),
    lr_min=st.sampled_from([0.0, 0.001, 0.02]),
    cycle_mul=st.sampled_from([1.0, 1.5, 2.0]),
    cycle_decay=st.sampled_from([1.0, 0.5]),
    cycle_limit=st.integers(0, 4),
    warmup_t=st.integers(0, 5),
    warmup_lr_init=st.sampled_from([0.0, 0.005]),
    warmup_prefix=st.booleans(),
)
def test_random_cycles_equal_timm_and_stay_in_range(
    tag: str,
    t_initial: int,
    lr_min: float,
    cycle_mul: float,
    cycle_decay: float,
    cycle_limit: int,
    warmup_t: int,
    warmup_lr_init: float,
    warmup_prefix: bool,
) -> None:
    kwargs: dict[str, Any] = {
        "t_initial": t_initial,
        "lr_min": lr_min,
        "cycle_mul": cycle_mul,
        "cycle_decay": cycle_decay,
        "cycle_limit": cycle_limit,
        "warmup_t": warmup_t,
        "warmup_lr_init": warmup_lr_init,
        "warmup_prefix": warmup_prefix,
    }
    config = S.lr_scheduler_registry.construct({"name": tag, "t_in_epochs": False, **kwargs})
    got = nshsched_lrs(config)
    np.testing.assert_allclose(got, timm_lrs(tag, kwargs, False), rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(got))
    # between the floors and the peaks (a decayed peak may fall below lr_min, as in timm)
    lowest_peak = min(BASES) * cycle_decay ** max(0, cycle_limit - 1)
    low, high = min(lr_min, warmup_lr_init, lowest_peak), max(*BASES, warmup_lr_init)
    assert np.all(got >= low - 1e-15) and np.all(got <= high + 1e-15)


@pytest.mark.parametrize(
    "data",
    [
        {
            "name": "timm_poly",
            "t_initial": 1,
            "cycle_limit": 0,
            "k_decay": 1024.0,
            "cycle_mul": 0.5,
        },
        {"name": "timm_poly", "t_initial": 1, "cycle_limit": 6, "cycle_mul": 3.48e-58},
        {"name": "timm_cosine", "t_initial": 1, "cycle_limit": 6, "cycle_mul": 3.48e-58},
        {
            "name": "timm_tanh",
            "t_initial": 2,
            "cycle_limit": 9,
            "cycle_mul": 1e18,
            "lb": -1e18,
            "ub": 1e18,
        },
        {"name": "timm_cosine", "t_initial": 3, "k_decay": 1e18, "cycle_limit": 2**53},
        {
            "name": "timm_cosine",
            "t_initial": 3,
            "k_decay": 1e-18,
            "cycle_decay": 1e-18,
            "cycle_limit": 50,
        },
    ],
)
def test_extreme_values_give_finite_lrs(data: dict[str, Any]) -> None:
    """Found by the schema fuzzer: extreme cycle lengths and exponents never divide by zero
    or overflow; every LR is finite and >= 0."""
    cfg = S.lr_scheduler_registry.construct({**data, "t_in_epochs": False})
    length = S.TrainingLength(steps_per_epoch=5, total_steps=40)
    lrs = S.preview(cfg, length, list(BASES))
    assert np.all(np.isfinite(lrs)) and np.all(lrs >= 0)
    np.testing.assert_array_equal(nshsched_lrs_for(cfg, length), lrs)


def nshsched_lrs_for(config: S.LRSchedulerConfigBase, length: S.TrainingLength) -> np.ndarray:
    return config_stepped(config, make_optimizer(), length)


def test_a_growing_cycle_decay_that_overflows_within_the_training_is_refused() -> None:
    # cycle_decay 1e6, cycles of 2 steps: at step 10 (the end of training) cycle 5, 1e30 x
    cfg = S.TimmCosineConfig(t_initial=2, cycle_decay=1e6, cycle_limit=10, t_in_epochs=False)
    with pytest.raises(
        ValueError,
        match=r"TimmCosineConfig.cycle_decay=1000000.0 multiplies the peak of cycle 5 by 1000000.0\*\*5 = 1e\+30",
    ):
        S.preview(cfg, S.TrainingLength(steps_per_epoch=10, total_steps=10))
    # a growth that stays bounded within the training is timm's behaviour, kept
    ok = S.TimmCosineConfig(t_initial=2, cycle_decay=1.5, cycle_limit=10, t_in_epochs=False)
    lrs = S.preview(ok, S.TrainingLength(steps_per_epoch=10, total_steps=10), [1.0])[:, 0]
    assert lrs[8] == pytest.approx(1.5**4, rel=1e-12)
