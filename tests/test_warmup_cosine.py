"""Warmup + cosine: nshtrainer's ``linear_warmup_cosine_decay``, ReGNN's ``warmup_cosine``,
DynVision's ``linear_warmup_cosine_annealing``."""

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
from _helpers.resume import assert_plain, resume
from _helpers.stepping import group_optimizer, stepped_as_lightning

# ---------------------------------------------------------------------- formulas, written out


def f_nshtrainer(t: int, W: int, M: int, a: float, m: float, annealing: bool) -> float:
    """a + (1 - a) t / W during the warmup; then m + (1 - m)(1 + cos(pi (t - W) / (M - W))) / 2,
    with t clamped to M unless annealing."""
    if t < W:
        return a + (1 - a) * t / W
    u = t if annealing else min(t, M)
    return m + (1 - m) * 0.5 * (1 + math.cos(math.pi * (u - W) / (M - W)))


def f_absolute(t: int, W: int, T: int, base: float, start: float, eta: float) -> float:
    """start + (base - start) t / W during the warmup; then
    eta + (base - eta)(1 + cos(pi (min(t, T) - W) / (T - W))) / 2."""
    if t < W:
        return start + (base - start) * t / W
    return eta + (base - eta) * 0.5 * (1 + math.cos(math.pi * (min(t, T) - W) / (T - W)))


def length(total: int, spe: int | None = None) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=spe or total, total_steps=total)


def stepped(cfg: Any, ln: S.TrainingLength, base_lrs=(1.0, 0.5)) -> np.ndarray:
    """LRs at optimizer steps 0..total, stepped as Lightning steps it (per step or per epoch)."""
    opt = group_optimizer(base_lrs)
    return stepped_as_lightning(opt, cfg.create_scheduler(opt, ln), ln)


# ---------------------------------------------------------------------- nshtrainer


def test_nshtrainer_table() -> None:
    # W=4, M=8, a=0.2, m=0.1: 0.2, 0.4, 0.6, 0.8, 1 (exactly, once), cosine to 0.1 at 8
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(
        warmup_duration=4, max_duration=8, warmup_start_lr_factor=0.2, min_lr_factor=0.1
    )
    got = stepped(cfg, length(10), (1.0,))[:, 0]
    c = [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * k / 4)) for k in range(5)]
    assert got.tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, *c, 0.1, 0.1])
    assert got[4] == 1.0  # lr(warmup) == base exactly
    assert (got == 1.0).sum() == 1  # no repeated peak


@pytest.mark.parametrize(("W", "M"), [(0, 1), (0, 9), (1, 9), (5, 6), (3, 20)])
@pytest.mark.parametrize(("a", "m"), [(0.0, 0.0), (0.1, 0.05), (0.5, 0.3)])
@pytest.mark.parametrize("annealing", [False, True])
def test_nshtrainer_formula(W: int, M: int, a: float, m: float, annealing: bool) -> None:
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(
        warmup_duration=W,
        max_duration=M,
        warmup_start_lr_factor=a,
        min_lr_factor=m,
        annealing=annealing,
    )
    total = 3 * M + 2
    got = stepped(cfg, length(total))
    want = [
        [b * f_nshtrainer(t, W, M, a, m, annealing) for b in (1.0, 0.5)] for t in range(total + 1)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        S.preview(cfg, length(total), [1.0, 0.5]), got, rtol=1e-12, atol=1e-15
    )


def test_nshtrainer_annealing_is_periodic() -> None:
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(
        warmup_duration=2, max_duration=6, annealing=True
    )
    a = S.preview(cfg, length(30))[:, 0]
    assert a[6] == pytest.approx(0.0, abs=1e-15)  # down at max_duration
    assert a[10] == pytest.approx(1.0)  # back up at 2M - W
    np.testing.assert_allclose(a[2:10], a[10:18], atol=1e-12)  # period 2 (M - W)


def test_nshtrainer_durations() -> None:
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(
        warmup_duration={"kind": "epochs", "value": 1},
        max_duration={"kind": "fraction", "value": 1.0},
    )
    ln = S.TrainingLength(steps_per_epoch=5, total_steps=20)
    got = S.preview(cfg, ln)[:, 0]
    assert got.tolist() == pytest.approx(
        [f_nshtrainer(t, 5, 20, 0.0, 0.0, False) for t in range(21)]
    )


def test_manual_edit_does_not_leak() -> None:
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(warmup_duration=3, max_duration=10)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = cfg.create_scheduler(opt, length(10))["scheduler"]
    for _ in range(4):
        opt.step()
        sched.step()
    opt.param_groups[0]["lr"] = 123.0
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(f_nshtrainer(5, 3, 10, 0, 0, False))


# ---------------------------------------------------------------------- ReGNN and DynVision


def test_warmup_cosine_regnn_table_epoch_interval() -> None:
    # interval epoch: 2 steps per epoch; W=2 epochs, T_max=4 epochs, eta_min=0.1 (absolute)
    cfg = S.WarmupCosineConfig(warmup_epochs=2, T_max=4, eta_min=0.1)
    assert cfg.resolved_metadata()["interval"] == "epoch"
    ln = S.TrainingLength(steps_per_epoch=2, total_steps=12)
    got = stepped(cfg, ln, (1.0, 0.5))
    per_epoch = [[f_absolute(e, 2, 4, b, 0.0, 0.1) for b in (1.0, 0.5)] for e in range(7)]
    want = [per_epoch[t // 2] for t in range(13)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(S.preview(cfg, ln, [1.0, 0.5]), got, rtol=1e-12)
    assert got[-1].tolist() == pytest.approx(
        [0.1, 0.1]
    )  # eta_min is absolute: same for both groups


@pytest.mark.parametrize(("W", "M"), [(0, 5), (1, 5), (4, 5), (3, 12)])
@pytest.mark.parametrize(("start", "eta"), [(0.0, 0.0), (0.05, 0.01), (0.3, 0.2)])
def test_dynvision_formula(W: int, M: int, start: float, eta: float) -> None:
    cfg = S.LinearWarmupCosineAnnealingLRConfig(
        warmup_epochs=W, max_epochs=M, warmup_start_lr=start, eta_min=eta, interval="step"
    )
    got = stepped(cfg, length(M + 4))
    want = [[f_absolute(t, W, M, b, start, eta) for b in (1.0, 0.5)] for t in range(M + 5)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        S.preview(cfg, length(M + 4), [1.0, 0.5]), got, rtol=1e-12, atol=1e-15
    )


def test_dynvision_alias_default_interval_and_roundtrip() -> None:
    cfg = S.lr_scheduler_registry.construct(
        {
            "name": "LinearWarmupCosineAnnealingLR",
            "warmup_epochs": 10,
            "max_epochs": 100,
            "eta_min": 1e-6,
        }
    )
    assert isinstance(cfg, S.LinearWarmupCosineAnnealingLRConfig)
    assert cfg.model_dump()["name"] == "linear_warmup_cosine_annealing"
    assert cfg.resolved_metadata()["interval"] == "epoch"


@pytest.mark.parametrize(
    "cfg",
    [
        S.LinearWarmupCosineDecayLRSchedulerConfig(warmup_duration=1, max_duration=3),
        S.WarmupCosineConfig(warmup_epochs=1, T_max=3),
        S.LinearWarmupCosineAnnealingLRConfig(warmup_epochs=1, max_epochs=3),
    ],
)
def test_no_generic_warmup_field(cfg: Any) -> None:
    with pytest.raises(ValidationError, match=r"\n  warmup: not a field of \w+Config"):
        type(cfg).model_validate({**cfg.model_dump(), "warmup": 5})


# ---------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    T=st.integers(2, 40),
    which=st.sampled_from(["0", "1", "T-1"]),
    a=st.sampled_from([0.0, 0.1]),
    m=st.sampled_from([0.0, 0.2]),
    kind=st.sampled_from(["nshtrainer", "dynvision"]),
)
def test_properties(T: int, which: str, a: float, m: float, kind: str) -> None:
    W = {"0": 0, "1": 1, "T-1": T - 1}[which]
    if kind == "nshtrainer":
        cfg: Any = S.LinearWarmupCosineDecayLRSchedulerConfig(
            warmup_duration=W, max_duration=T, warmup_start_lr_factor=a, min_lr_factor=m
        )
    else:
        cfg = S.LinearWarmupCosineAnnealingLRConfig(
            warmup_epochs=W, max_epochs=T, warmup_start_lr=a, eta_min=m, interval="step"
        )
    lr = S.preview(cfg, length(T + 5))[:, 0]
    assert np.isfinite(lr).all()
    assert (lr <= 1.0 + 1e-12).all() and (lr >= min(a, m) - 1e-12).all()
    assert (np.diff(lr[: W + 1]) >= -1e-12).all()  # up to the peak, reached at W
    assert (np.diff(lr[W:]) <= 1e-12).all()  # down after it
    assert lr[W] == 1.0
    if W > 0:
        assert lr[W] - lr[W - 1] <= (1.0 - a) / W + 1e-12  # no jump at the join
    np.testing.assert_allclose(lr[T:], m, atol=1e-12)  # min after the end


def test_warmup_equal_max_rejected() -> None:
    # the nshtrainer style needs a decay: warmup == max is an error (with the values)
    with pytest.raises(ValidationError, match="warmup_duration=4 must be < max_duration=4"):
        S.LinearWarmupCosineDecayLRSchedulerConfig(warmup_duration=4, max_duration=4)


# ---------------------------------------------------------------------- resume


def test_resume_next_800_lrs_equal_uninterrupted() -> None:
    cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(
        warmup_duration={"kind": "fraction", "value": 0.1},
        max_duration=900,
        min_lr_factor=0.01,
        annealing=True,
    )
    total, cut = 1200, 250

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = group_optimizer((1e-3, 1e-4), cls=torch.optim.AdamW)
        return opt, cfg.create_scheduler(opt, length(total))["scheduler"]

    r = resume(make, cut, total - cut)
    assert_plain(r.state)
    assert len(r.resumed) >= 800
    assert r.resumed == r.uninterrupted


# ---------------------------------------------------------------------- validation errors


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"name": "linear_warmup_cosine_decay", "warmup_duration": 5, "max_duration": 3},
            "warmup_duration=5 must be < max_duration=3",
        ),
        ({"name": "linear_warmup_cosine_decay", "max_duration": 3}, "warmup_duration"),
        (
            {
                "name": "linear_warmup_cosine_decay",
                "warmup_duration": 0,
                "max_duration": 3,
                "min_lr_factor": -1,
            },
            "greater than or equal to 0",
        ),
        (
            {"name": "warmup_cosine", "warmup_epochs": 5, "T_max": 5},
            "warmup_epochs=5 must be < T_max=5",
        ),
        (
            {"name": "warmup_cosine", "warmup_epochs": 1, "T_max": 5, "eta_min": -0.1},
            "greater than or equal to 0",
        ),
        (
            {"name": "linear_warmup_cosine_annealing", "warmup_epochs": 9, "max_epochs": 5},
            "warmup_epochs=9 must be < max_epochs=5",
        ),
        (
            {"name": "linear_warmup_cosine_annealing", "warmup_epochs": -1, "max_epochs": 5},
            "greater than or equal to 0",
        ),
    ],
)
def test_validation_errors(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.lr_scheduler_registry.construct(data)


def test_duration_errors_at_creation() -> None:
    cfg = S.WarmupCosineConfig(warmup_epochs={"kind": "fraction", "value": 0.5}, T_max=2)
    with pytest.raises(
        ValueError,
        match=r"warmup_epochs \(.* = 2 scheduler steps\) must be < T_max \(2 scheduler steps\)",
    ):
        S.preview(cfg, S.TrainingLength(steps_per_epoch=1, total_steps=4))
    with pytest.raises(ValueError, match="warmup must be < total"):
        S.functional.warmup_cosine(3, 3)
    with pytest.raises(ValueError, match="warmup must be < total"):
        S.functional.warmup_cosine_curve(3, 3)
