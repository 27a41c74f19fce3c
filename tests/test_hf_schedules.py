"""The Hugging Face ``get_scheduler`` set: values written from HF's formulas, properties,
resume, preview, and every validation error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import nshsched as S
from _helpers.resume import resume
from _helpers.stepping import group_optimizer, stepped_as_lightning

# ---------------------------------------------------------------------- HF's formulas, written out
# (t: step, W: num_warmup_steps, T: num_training_steps)


def hf_ramp(t: int, W: int) -> float:
    return t / max(1, W)


def f_constant_with_warmup(t: int, W: int) -> float:
    return hf_ramp(t, W) if t < W else 1.0


def f_linear(t: int, W: int, T: int) -> float:
    return hf_ramp(t, W) if t < W else max(0.0, (T - t) / max(1, T - W))


def f_cosine(t: int, W: int, T: int, num_cycles: float = 0.5, min_lr_rate: float = 0.0) -> float:
    if t < W:
        return hf_ramp(t, W)
    progress = (t - W) / max(1, T - W)
    factor = 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
    return max(0.0, factor * (1 - min_lr_rate) + min_lr_rate)


def f_cosine_with_restarts(t: int, W: int, T: int, num_cycles: int = 1) -> float:
    if t < W:
        return hf_ramp(t, W)
    progress = (t - W) / max(1, T - W)
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((num_cycles * progress) % 1.0))))


def f_polynomial(t: int, W: int, T: int, lr_init: float, lr_end: float, power: float) -> float:
    if t < W:
        return hf_ramp(t, W)
    if t > T:
        return lr_end / lr_init
    pct_remaining = 1 - (t - W) / (T - W)
    return ((lr_init - lr_end) * pct_remaining**power + lr_end) / lr_init


def f_inverse_sqrt(t: int, W: int, timescale: int | None = None) -> float:
    timescale = timescale if timescale is not None else (W or 10_000)
    if t < W:
        return hf_ramp(t, W)
    return 1.0 / math.sqrt((t + timescale - W) / timescale)


def f_wsd(t, W, S_, D, warmup_type="linear", decay_type="cosine", m=0.0, num_cycles=0.5):
    if t < W:
        p = t / max(1, W)
        f = {
            "linear": p,
            "cosine": 0.5 * (1.0 - math.cos(math.pi * p)),
            "1-sqrt": 1.0 - math.sqrt(1.0 - p),
        }[warmup_type]
        return max(0.0, f * (1.0 - m) + m)
    if t < W + S_:
        return 1.0
    if t < W + S_ + D:
        p = (t - W - S_) / max(1, D)
        f = {
            "linear": 1.0 - p,
            "cosine": 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * p)),
            "1-sqrt": 1.0 - math.sqrt(p),
        }[decay_type]
        return max(0.0, f * (1.0 - m) + m)
    return m


# ---------------------------------------------------------------------- helpers


def length(total: int, spe: int | None = None) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=spe or total, total_steps=total)


def stepped(cfg: Any, total: int, base_lrs=(1.0,), default_lr: float | None = None) -> np.ndarray:
    """LRs at optimizer steps 0..total from the real scheduler, stepped after every step."""
    opt = group_optimizer(base_lrs, lr=default_lr)
    spec = cfg.create_scheduler(opt, length(total))
    assert spec["interval"] == "step" and spec["frequency"] == 1
    return stepped_as_lightning(opt, spec, length(total))


def check(cfg: Any, total: int, formula, base_lrs=(1.0, 0.5)) -> None:
    got = stepped(cfg, total, base_lrs)
    want = np.asarray([[b * formula(t) for b in base_lrs] for t in range(total + 1)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # atol: where the formula is 0, numpy's vectorised and scalar cos may differ in the last
    # bit (5.6e-17 with numpy 1.24)
    np.testing.assert_allclose(
        S.preview(cfg, length(total), list(base_lrs)), got, rtol=1e-12, atol=1e-15
    )


# ---------------------------------------------------------------------- tables


def test_linear_table() -> None:
    # W=2, T=6: 0, 1/2, then (6 - t) / 4
    got = stepped(S.LinearSchedulerConfig(warmup=2), 6)[:, 0].tolist()
    assert got == pytest.approx([0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0])


def test_cosine_table_default_half_cycle() -> None:
    # W=0, T=4: (1 + cos(pi t / 4)) / 2
    got = stepped(S.CosineSchedulerConfig(), 4)[:, 0]
    assert got.tolist() == pytest.approx([1.0, 0.8535533905932737, 0.5, 0.1464466094067262, 0.0])


def test_cosine_with_restarts_table_two_cycles() -> None:
    # W=0, T=4, 2 cycles: progress 0, .25, .5, .75, 1 -> 1, .5, 1, .5, 0
    got = stepped(S.CosineWithRestartsSchedulerConfig(num_cycles=2), 4)[:, 0]
    assert got.tolist() == pytest.approx([1.0, 0.5, 1.0, 0.5, 0.0])


def test_constant_with_warmup_table() -> None:
    got = stepped(S.ConstantWithWarmupSchedulerConfig(warmup=4), 6)[:, 0]
    assert got.tolist() == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_inverse_sqrt_table() -> None:
    # W=2, timescale=W: 1 / sqrt(t / 2) from t=2
    got = stepped(S.InverseSqrtSchedulerConfig(warmup=2), 8)[:, 0]
    assert got.tolist() == pytest.approx(
        [
            0.0,
            0.5,
            1.0,
            math.sqrt(2 / 3),
            math.sqrt(2 / 4),
            math.sqrt(2 / 5),
            math.sqrt(2 / 6),
            math.sqrt(2 / 7),
            0.5,
        ]
    )


def test_wsd_table() -> None:
    # W=2, S=2, D=4 (linear), m=0.2: 0.2, 0.6, 1, 1, then 1 - 0.8 p, then 0.2
    cfg = S.WarmupStableDecaySchedulerConfig(
        warmup=2, decay=4, stable=2, decay_type="linear", min_lr_ratio=0.2
    )
    got = stepped(cfg, 10)[:, 0]
    assert got.tolist() == pytest.approx([0.2, 0.6, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2])


def test_polynomial_table_and_groups_use_the_optimizer_default_lr() -> None:
    # lr_init = 0.1 (optimizer default), lr_end = 0.01, W=0, T=3, power 2:
    # lr = (0.1 - 0.01) (1 - t/3)^2 + 0.01 ; factor = lr / 0.1, applied to every group
    cfg = S.PolynomialSchedulerConfig(total=3, lr_end=0.01, power=2.0)
    got = stepped(cfg, 4, base_lrs=(0.1, 0.2), default_lr=0.1)
    factors = [(0.09 * (1 - t / 3) ** 2 + 0.01) / 0.1 for t in range(4)] + [0.1]
    np.testing.assert_allclose(got[:, 0], [0.1 * f for f in factors], rtol=1e-12)
    np.testing.assert_allclose(got[:, 1], [0.2 * f for f in factors], rtol=1e-12)
    assert got[-1].tolist() == pytest.approx([0.01, 0.02])


def test_cosine_with_min_lr_absolute_uses_the_optimizer_default_lr() -> None:
    cfg = S.CosineWithMinLRSchedulerConfig(warmup=1, min_lr=0.02)
    got = stepped(cfg, 5, base_lrs=(0.1, 0.3), default_lr=0.1)
    rate = 0.02 / 0.1
    for col, base in enumerate((0.1, 0.3)):
        np.testing.assert_allclose(
            got[:, col], [base * f_cosine(t, 1, 5, 0.5, rate) for t in range(6)], rtol=1e-12
        )
    assert got[-1].tolist() == pytest.approx([0.02, 0.06])


# ---------------------------------------------------------------------- formulas, many settings

WT = [(0, 1), (0, 7), (1, 7), (3, 10), (6, 7), (7, 7), (5, 23)]


@pytest.mark.parametrize(("W", "T"), WT)
def test_linear_formula(W: int, T: int) -> None:
    check(
        S.LinearSchedulerConfig(warmup=W, total=T), T + 3, lambda t: f_linear(min(t, T + 3), W, T)
    )


@pytest.mark.parametrize(("W", "T"), WT)
@pytest.mark.parametrize("num_cycles", [0.5, 0.25, 1.0, 3.0])
def test_cosine_formula(W: int, T: int, num_cycles: float) -> None:
    cfg = S.CosineSchedulerConfig(warmup=W, num_cycles=num_cycles)
    check(cfg, T, lambda t: f_cosine(t, W, T, num_cycles))


@pytest.mark.parametrize(("W", "T"), WT)
@pytest.mark.parametrize("num_cycles", [1, 2, 3, 5])
def test_cosine_with_restarts_formula(W: int, T: int, num_cycles: int) -> None:
    cfg = S.CosineWithRestartsSchedulerConfig(warmup=W, total=T, num_cycles=num_cycles)
    check(cfg, T + 2, lambda t: f_cosine_with_restarts(t, W, T, num_cycles))


@pytest.mark.parametrize(("W", "T"), WT)
@pytest.mark.parametrize("num_cycles", [0.5, 1.0, 2.0])
def test_cosine_with_min_lr_rate_formula(W: int, T: int, num_cycles: float) -> None:
    cfg = S.CosineWithMinLRSchedulerConfig(warmup=W, num_cycles=num_cycles, min_lr_rate=0.1)
    check(cfg, T, lambda t: f_cosine(t, W, T, num_cycles, 0.1))


@pytest.mark.parametrize(("W", "T"), [wt for wt in WT if wt[0] < wt[1]])
@pytest.mark.parametrize("power", [1.0, 0.5, 2.0, 3.0])
def test_polynomial_formula(W: int, T: int, power: float) -> None:
    cfg = S.PolynomialSchedulerConfig(warmup=W, total=T, lr_end=1e-3, power=power)
    check(cfg, T + 2, lambda t: f_polynomial(t, W, T, 1.0, 1e-3, power), base_lrs=(1.0,))


def test_polynomial_warmup_equal_total_is_lr_end_from_warmup_on() -> None:
    # HF divides by zero at t == W == T; nshsched gives lr_end there.
    got = stepped(S.PolynomialSchedulerConfig(warmup=2, total=2, lr_end=0.1), 4)[:, 0]
    assert got.tolist() == pytest.approx([0.0, 0.5, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("W", [0, 1, 4, 9])
@pytest.mark.parametrize("timescale", [None, 1, 3, 100])
def test_inverse_sqrt_formula(W: int, timescale: int | None) -> None:
    cfg = S.InverseSqrtSchedulerConfig(warmup=W, timescale=timescale)
    check(cfg, 30, lambda t: f_inverse_sqrt(t, W, timescale))


def test_inverse_sqrt_default_timescale_is_10000_without_warmup() -> None:
    got = stepped(S.InverseSqrtSchedulerConfig(), 3)[:, 0]
    assert got.tolist() == pytest.approx([1.0 / math.sqrt((t + 10_000) / 10_000) for t in range(4)])


@pytest.mark.parametrize(("W", "D"), [(0, 6), (1, 1), (5, 0), (5, 6)])
@pytest.mark.parametrize("warmup_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
def test_wsd_formula(W: int, D: int, warmup_type: str, decay_type: str) -> None:
    T = 20
    cfg = S.WarmupStableDecaySchedulerConfig(
        warmup=W, decay=D, warmup_type=warmup_type, decay_type=decay_type, min_lr_ratio=0.1
    )
    check(cfg, T, lambda t: f_wsd(t, W, T - W - D, D, warmup_type, decay_type, 0.1))


@pytest.mark.parametrize("num_cycles", [0.5, 1.0, 1.25])
def test_wsd_stable_given_and_num_cycles(num_cycles: float) -> None:
    cfg = S.WarmupStableDecaySchedulerConfig(warmup=2, stable=3, decay=5, num_cycles=num_cycles)
    check(cfg, 14, lambda t: f_wsd(t, 2, 3, 5, "linear", "cosine", 0.0, num_cycles))


def test_constant_is_one_and_constant_with_warmup_formula() -> None:
    check(S.ConstantSchedulerConfig(), 5, lambda t: 1.0)
    for W in (0, 1, 3):
        check(
            S.ConstantWithWarmupSchedulerConfig(warmup=W),
            6,
            lambda t, W=W: f_constant_with_warmup(t, W),
        )


def test_durations_resolve_against_the_length() -> None:
    cfg = S.LinearSchedulerConfig(
        warmup={"kind": "fraction", "value": 0.2}, total={"kind": "epochs", "value": 2}
    )
    got = S.preview(cfg, S.TrainingLength(steps_per_epoch=4, total_steps=10))[:, 0]
    assert got.tolist() == pytest.approx([f_linear(t, 2, 8) for t in range(11)])


def test_own_warmup_is_not_applied_twice() -> None:
    cfg = S.CosineSchedulerConfig(warmup=4)
    got = S.preview(cfg, length(8))[:, 0]
    assert got[:5].tolist() == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])


def test_names_and_dump_roundtrip() -> None:
    for tag in [
        "constant",
        "constant_with_warmup",
        "linear",
        "cosine",
        "cosine_with_restarts",
        "cosine_with_min_lr",
        "polynomial",
        "inverse_sqrt",
        "warmup_stable_decay",
    ]:
        data: dict[str, Any] = {"name": tag}
        if tag == "cosine_with_min_lr":
            data["min_lr_rate"] = 0.1
        if tag == "warmup_stable_decay":
            data["decay"] = {"kind": "fraction", "value": 0.1}
        cfg = S.lr_scheduler_registry.construct(data)
        assert type(cfg).model_validate(cfg.model_dump()) == cfg
        assert cfg.resolved_metadata()["interval"] == "step"


# ---------------------------------------------------------------------- absolute LRs, reference LR


def test_polynomial_lr_end_above_the_lr_rises_to_it() -> None:
    # Differs from HF (which raises): the curve goes from the LR up to lr_end.
    got = S.preview(S.PolynomialSchedulerConfig(lr_end=0.01), length(10), [1e-3])[:, 0]
    assert got[0] == pytest.approx(1e-3) and got[-1] == pytest.approx(0.01, rel=1e-12)
    assert (np.diff(got) >= 0).all()


def test_absolute_lr_needs_a_positive_default_lr() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.0)
    with pytest.raises(
        ValueError,
        match=r"cosine_with_min_lr states learning rates for the optimizer's default lr, which must be > 0.*got lr=0\.0",
    ):
        S.CosineWithMinLRSchedulerConfig(min_lr=0.1).create_scheduler(opt, length(10))


def test_global_preview_keeps_group_ratios_and_equals_stepping() -> None:
    # HF's factor is lr_end / default lr, applied to every group: the 0.05 group is at half
    # the 0.1 group at every step, and ends at lr_end / 2.
    cfg = S.PolynomialSchedulerConfig(warmup=3, lr_end=0.01, power=2.0)
    got = S.preview(cfg, length(20), [0.1, 0.05])
    np.testing.assert_allclose(got, stepped(cfg, 20, (0.1, 0.05)), rtol=1e-12)
    np.testing.assert_allclose(got[:, 1], got[:, 0] / 2, rtol=1e-12)
    assert got[-1].tolist() == pytest.approx([0.01, 0.005], rel=1e-12)


def test_unbound_curve_is_absolute_for_compositions() -> None:
    # Unbound (as a phase of sequential): lr = base * α₀ + lr_end * (1 - α₀) after the warmup,
    # equal to HF for a group at the optimizer's default LR.
    cfg = S.PolynomialSchedulerConfig(warmup=2, total=10, lr_end=0.01)
    curve = cfg.lr_curve(length(10))
    steps = np.arange(13)
    np.testing.assert_allclose(
        curve.lr(steps, 0.1),
        [0.1 * f_polynomial(t, 2, 10, 0.1, 0.01, 1.0) for t in steps],
        rtol=1e-12,
    )
    seq = S.SequentialSchedulerConfig(phases=[{"schedule": cfg.model_dump()}])
    np.testing.assert_allclose(
        S.preview(seq, length(10), [0.1])[:, 0], curve.lr(steps[:11], 0.1), rtol=1e-12
    )


# ---------------------------------------------------------------------- properties


def _curve(tag: str, W: int, T: int) -> tuple[Any, float, float]:
    """(config, min, peak) for a non-cyclic schedule of total T with warmup W."""
    if tag == "linear":
        return S.LinearSchedulerConfig(warmup=W, total=T), 0.0, 1.0
    if tag == "cosine":
        return S.CosineSchedulerConfig(warmup=W, total=T), 0.0, 1.0
    if tag == "cosine_with_min_lr":
        return S.CosineWithMinLRSchedulerConfig(warmup=W, total=T, min_lr_rate=0.2), 0.2, 1.0
    if tag == "polynomial":
        return (
            S.PolynomialSchedulerConfig(warmup=W, total=T, lr_end=0.05, power=1.5),
            0.05,
            1.0,
        )
    D = (T - W) // 2
    return (
        S.WarmupStableDecaySchedulerConfig(warmup=W, decay=D, total=T, min_lr_ratio=0.1),
        0.1,
        1.0,
    )


@settings(max_examples=50, deadline=None)
@given(
    tag=st.sampled_from(
        ["linear", "cosine", "cosine_with_min_lr", "polynomial", "warmup_stable_decay"]
    ),
    T=st.integers(2, 40),
    which=st.sampled_from(["0", "1", "T-1", "T"]),
)
def test_properties(tag: str, T: int, which: str) -> None:
    W = {"0": 0, "1": 1, "T-1": T - 1, "T": T}[which]
    cfg, lo, peak = _curve(tag, W, T)
    extra = 5
    a = S.preview(cfg, length(T + extra))[:, 0]  # total=T is shorter than training
    assert np.isfinite(a).all()
    # within [min, peak] (the warmup starts below min for HF's ramps from 0, except WSD)
    assert (a <= peak + 1e-12).all()
    assert (a[W:] >= lo - 1e-12).all()
    if tag == "warmup_stable_decay":
        assert (a >= lo - 1e-12).all()
    else:
        assert (a >= -1e-12).all()
    # monotone within each phase: up during the warmup [0, W), down from W on
    assert (np.diff(a[:W]) >= -1e-12).all()
    assert (np.diff(a[W:]) <= 1e-12).all()
    if W < T:
        # continuous where warmup and decay join: no jump larger than one warmup increment
        if W > 0:
            assert abs(a[W] - a[W - 1]) <= (peak - a[0]) / W + 1e-12
            assert a[W] == pytest.approx(peak)
        # equal to min from the end on
        np.testing.assert_allclose(a[T:], lo, atol=1e-12)
    else:
        # warmup == total (allowed, as HF): the schedule is over at W; its value is then held
        np.testing.assert_allclose(a[T:], a[T], atol=0)


# ---------------------------------------------------------------------- resume


@pytest.mark.parametrize(
    "cfg",
    [
        S.WarmupStableDecaySchedulerConfig(
            warmup=50, decay={"kind": "fraction", "value": 0.3}, decay_type="1-sqrt"
        ),
        S.PolynomialSchedulerConfig(warmup=30, lr_end=1e-4, power=2.0),
        S.CosineWithRestartsSchedulerConfig(warmup=10, num_cycles=3),
    ],
)
def test_resume_next_800_lrs_equal_uninterrupted(cfg: Any) -> None:
    total, cut = 1200, 317

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = group_optimizer((1e-2, 3e-3))
        return opt, cfg.create_scheduler(opt, length(total))["scheduler"]

    r = resume(make, cut, total - cut)
    assert len(r.resumed) >= 800
    assert r.resumed == r.uninterrupted


# ---------------------------------------------------------------------- validation errors


def test_constant_rejects_warmup() -> None:
    with pytest.raises(
        ValidationError, match=r"constant takes no warmup .*use constant_with_warmup"
    ):
        S.lr_scheduler_registry.construct({"name": "constant", "warmup": 10})


def test_warmup_gt_total_ints() -> None:
    with pytest.raises(ValidationError, match="warmup=5 must be <= total=4"):
        S.LinearSchedulerConfig(warmup=5, total=4)


def test_warmup_gt_total_durations_at_creation() -> None:
    cfg = S.CosineSchedulerConfig(
        warmup={"kind": "fraction", "value": 0.5}, total={"kind": "steps", "value": 3}
    )
    with pytest.raises(
        ValueError,
        match=r"warmup \(.*= 5 scheduler steps\) must be <= total \(.*= 3 scheduler steps\)",
    ):
        S.preview(cfg, length(10))


def test_warmup_equal_total_is_allowed() -> None:
    got = S.preview(S.LinearSchedulerConfig(warmup=4, total=4), length(6))[:, 0]
    assert got.tolist() == pytest.approx([0.0, 0.25, 0.5, 0.75, 0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"name": "cosine_with_min_lr"}, "set exactly one of min_lr and min_lr_rate"),
        (
            {"name": "cosine_with_min_lr", "min_lr": 0.1, "min_lr_rate": 0.1},
            "set exactly one of min_lr and min_lr_rate, got min_lr=0.1, min_lr_rate=0.1",
        ),
        ({"name": "cosine_with_min_lr", "min_lr_rate": 1.5}, "less than or equal to 1"),
        ({"name": "cosine_with_restarts", "num_cycles": 0}, "greater than 0"),
        ({"name": "cosine", "num_cycles": -1}, "greater than or equal to 0"),
        ({"name": "polynomial", "power": -1}, "greater than or equal to 0"),
        ({"name": "inverse_sqrt", "timescale": 0}, "greater than 0"),
        ({"name": "linear", "warmup": -1}, "greater than or equal to 0"),
        (
            {"name": "linear", "warmup": 2, "num_warmup_steps": 3},
            r"set warmup or num_warmup_steps \(HF's name for it\), not both: got warmup=2, "
            "num_warmup_steps=3",
        ),
        ({"name": "warmup_stable_decay"}, "decay"),
        (
            {"name": "warmup_stable_decay", "decay": 2, "warmup_type": "exp"},
            "'linear', 'cosine' or '1-sqrt'",
        ),
        (
            {"name": "warmup_stable_decay", "decay": 2, "decay_type": "exp"},
            "'linear', 'cosine' or '1-sqrt'",
        ),
        ({"name": "warmup_stable_decay", "decay": 2, "min_lr_ratio": 2}, "less than or equal to 1"),
        (
            {"name": "warmup_stable_decay", "decay": 2, "stable": 3, "total": 9},
            r"set stable or total, not both \(got stable=3, total=9\)",
        ),
        (
            {"name": "warmup_stable_decay", "warmup": 4, "decay": 6, "total": 9},
            r"warmup \+ decay must be <= total, got w=4 \+ d=6 > t=9",
        ),
    ],
)
def test_validation_errors(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.lr_scheduler_registry.construct(data)


def test_wsd_phases_exceed_training_at_creation() -> None:
    cfg = S.WarmupStableDecaySchedulerConfig(warmup=4, decay={"kind": "fraction", "value": 0.9})
    with pytest.raises(
        ValueError,
        match=r"warmup \(4 scheduler steps\) \+ decay \(.* = 9 scheduler steps\) must be <= "
        r"total \(the whole training: 10 scheduler steps\)",
    ):
        S.preview(cfg, length(10))


def test_functional_errors() -> None:
    F = S.functional
    with pytest.raises(ValueError, match="warmup must be >= 0 steps"):
        F.hf_linear(-1, 3)
    with pytest.raises(ValueError, match="warmup must be <= total"):
        F.hf_cosine(4, 3)
    with pytest.raises(ValueError, match="timescale must be > 0"):
        F.hf_inverse_sqrt(0, 0)
    with pytest.raises(ValueError, match="stable must be >= 0 steps, got -1"):
        F.hf_warmup_stable_decay(1, -1, 1)
