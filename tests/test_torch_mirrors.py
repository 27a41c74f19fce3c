"""The torch mirrors: step for step against torch, formulas, properties, resume, preview."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch.optim import lr_scheduler as L

import nshsched as S
from _helpers.resume import assert_plain, resume
from _helpers.stepping import group_optimizer, stepped_as_lightning
from nshsched import functional as F
from nshsched.groups.check import check_length

BASES = (0.1, 0.03)


def make_optimizer(cls: type = torch.optim.SGD, **kwargs: Any) -> torch.optim.Optimizer:
    return group_optimizer(BASES, cls=cls, **kwargs)


def build(cfg: Any, optimizer: torch.optim.Optimizer, length: S.TrainingLength) -> Any:
    return cfg.create_scheduler(optimizer, length)["scheduler"]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-13)


LENGTH = S.TrainingLength(steps_per_epoch=5, total_steps=1000)
SGD_M = (torch.optim.SGD, {"momentum": 0.9})
ADAM = (torch.optim.Adam, {})

# (config, torch factory, optimizer, number of scheduler steps)
CASES: list[tuple[dict[str, Any], Callable[[Any], Any], tuple[type, dict[str, Any]], int]] = [
    ({"name": "step_lr", "step_size": 7, "gamma": 0.5}, lambda o: L.StepLR(o, 7, 0.5), SGD_M, 80),
    # 2 epochs at interval epoch = 2 scheduler steps
    (
        {"name": "StepLR", "step_size": {"kind": "epochs", "value": 2}},
        lambda o: L.StepLR(o, 2),
        SGD_M,
        60,
    ),
    # interval step: 2 epochs of 5 steps = 10 scheduler steps
    (
        {"name": "step_lr", "step_size": {"kind": "epochs", "value": 2}, "interval": "step"},
        lambda o: L.StepLR(o, 10),
        SGD_M,
        60,
    ),
    (
        {"name": "multi_step_lr", "milestones": [3, 10, 11, 40], "gamma": 0.3},
        lambda o: L.MultiStepLR(o, [3, 10, 11, 40], 0.3),
        SGD_M,
        70,
    ),
    # fraction 0.05 of 1000 steps = 50 steps = 10 epochs
    (
        {"name": "multi_step_lr", "milestones": [4, {"kind": "fraction", "value": 0.05}]},
        lambda o: L.MultiStepLR(o, [4, 10]),
        SGD_M,
        60,
    ),
    ({"name": "exponential_lr", "gamma": 0.93}, lambda o: L.ExponentialLR(o, 0.93), SGD_M, 80),
    (
        {"name": "cosine_annealing_lr", "T_max": 10, "eta_min": 0.004},
        lambda o: L.CosineAnnealingLR(o, 10, 0.004),
        SGD_M,
        80,
    ),  # 8 half periods: torch oscillates past T_max, and so do we
    ({"name": "cosine_annealing_lr", "T_max": 13}, lambda o: L.CosineAnnealingLR(o, 13), SGD_M, 70),
    (
        {
            "name": "cosine_annealing_lr",
            "T_max": {"kind": "steps", "value": 35},
            "interval": "step",
        },
        lambda o: L.CosineAnnealingLR(o, 35),
        SGD_M,
        90,
    ),
    (
        {"name": "cosine_annealing_warm_restarts", "T_0": 4, "eta_min": 0.001},
        lambda o: L.CosineAnnealingWarmRestarts(o, 4, 1, 0.001),
        SGD_M,
        70,
    ),
    (
        {"name": "CosineAnnealingWarmRestarts", "T_0": 3, "T_mult": 2, "eta_min": 0.002},
        lambda o: L.CosineAnnealingWarmRestarts(o, 3, 2, 0.002),
        SGD_M,
        100,
    ),
    (
        {"name": "cosine_annealing_warm_restarts", "T_0": 2, "T_mult": 3, "interval": "step"},
        lambda o: L.CosineAnnealingWarmRestarts(o, 2, 3),
        SGD_M,
        100,
    ),
    (
        {"name": "polynomial_lr", "total_iters": 30, "power": 2.5},
        lambda o: L.PolynomialLR(o, 30, 2.5),
        SGD_M,
        60,
    ),
    ({"name": "polynomial_lr"}, lambda o: L.PolynomialLR(o), SGD_M, 60),
    (
        {"name": "linear_lr", "start_factor": 0.1, "end_factor": 0.7, "total_iters": 25},
        lambda o: L.LinearLR(o, 0.1, 0.7, 25),
        SGD_M,
        60,
    ),
    ({"name": "linear_lr"}, lambda o: L.LinearLR(o), SGD_M, 60),
    (
        {"name": "constant_lr", "factor": 0.25, "total_iters": 9},
        lambda o: L.ConstantLR(o, 0.25, 9),
        SGD_M,
        60,
    ),
    ({"name": "ConstantLR"}, lambda o: L.ConstantLR(o), SGD_M, 60),
    (
        {"name": "one_cycle_lr", "max_lr": 0.4, "total_steps": 80},
        lambda o: L.OneCycleLR(o, 0.4, total_steps=80),
        SGD_M,
        80,
    ),
    (
        {
            "name": "one_cycle_lr",
            "max_lr": 0.2,
            "total_steps": 90,
            "pct_start": 0.25,
            "anneal_strategy": "linear",
            "three_phase": True,
            "div_factor": 10.0,
            "final_div_factor": 100.0,
        },
        lambda o: L.OneCycleLR(
            o,
            0.2,
            total_steps=90,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        ADAM,
        90,
    ),
    # torch's own phase choice at the edges (new in issue 18): a rise shorter than one step
    # (pct_start * total_steps < 1) starts part-way down; pct_start 0 and 1
    (
        {"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 3, "pct_start": 0.3},
        lambda o: L.OneCycleLR(o, 1.0, total_steps=3, pct_start=0.3),
        SGD_M,
        3,
    ),
    (
        {"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 3, "three_phase": True},
        lambda o: L.OneCycleLR(o, 1.0, total_steps=3, three_phase=True),
        ADAM,
        3,
    ),
    (
        {"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 7, "pct_start": 0.0},
        lambda o: L.OneCycleLR(o, 1.0, total_steps=7, pct_start=0.0),
        SGD_M,
        7,
    ),
    (
        {
            "name": "one_cycle_lr",
            "max_lr": 1.0,
            "total_steps": 7,
            "pct_start": 1.0,
            "anneal_strategy": "linear",
            "three_phase": True,
        },
        lambda o: L.OneCycleLR(
            o, 1.0, total_steps=7, pct_start=1.0, anneal_strategy="linear", three_phase=True
        ),
        SGD_M,
        7,
    ),
    # torch accepts any momentum >= 0 (its own tests use 1, 5 and 22; issue 18 item 2)
    (
        {
            "name": "cyclic_lr",
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 1,
            "base_momentum": 1.0,
            "max_momentum": 5.0,
        },
        lambda o: L.CyclicLR(o, 0.01, 0.1, 1, base_momentum=1, max_momentum=5),
        SGD_M,
        20,
    ),
    (
        {
            "name": "one_cycle_lr",
            "max_lr": 0.4,
            "total_steps": 10,
            "base_momentum": 1.0,
            "max_momentum": 22.0,
        },
        lambda o: L.OneCycleLR(o, 0.4, total_steps=10, base_momentum=1, max_momentum=22),
        SGD_M,
        10,
    ),
    # total_steps defaults to the whole training (here 70 optimizer steps)
    (
        {"name": "one_cycle_lr", "max_lr": 0.3, "cycle_momentum": False, "three_phase": True},
        lambda o: L.OneCycleLR(o, 0.3, total_steps=70, cycle_momentum=False, three_phase=True),
        (torch.optim.Adagrad, {}),
        70,
    ),
    (
        {"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6},
        lambda o: L.CyclicLR(o, 0.01, 0.1, 6),
        SGD_M,
        80,
    ),
    (
        {
            "name": "cyclic_lr",
            "base_lr": 0.02,
            "max_lr": 0.5,
            "step_size_up": 4,
            "step_size_down": 7,
            "mode": "triangular2",
        },
        lambda o: L.CyclicLR(o, 0.02, 0.5, 4, 7, mode="triangular2"),
        ADAM,
        80,
    ),
    (
        {
            "name": "cyclic_lr",
            "base_lr": 0.001,
            "max_lr": 0.1,
            "step_size_up": {"kind": "epochs", "value": 1},
            "mode": "exp_range",
            "gamma": 0.97,
            "scale_mode": "iterations",
        },
        lambda o: L.CyclicLR(o, 0.001, 0.1, 5, mode="exp_range", gamma=0.97),
        SGD_M,
        80,
    ),
]


def _length_for(cfg: Any, steps: int) -> S.TrainingLength:
    if cfg.name == "one_cycle_lr" and cfg.total_steps is None:
        return S.TrainingLength(steps_per_epoch=5, total_steps=steps)
    return LENGTH


@pytest.mark.parametrize("data,torch_factory,opt,steps", CASES, ids=lambda c: str(c)[:60])
def test_matches_torch_step_for_step(data, torch_factory, opt, steps):
    cfg = S.lr_scheduler_registry.construct(data)
    cls, kwargs = opt
    mine_opt, ref_opt = make_optimizer(cls, **kwargs), make_optimizer(cls, **kwargs)
    mine = build(cfg, mine_opt, _length_for(cfg, steps))
    ref = torch_factory(ref_opt)
    last = steps - 1 if cfg.name == "one_cycle_lr" else steps  # see test_one_cycle_end
    for t in range(last + 1):
        for g1, g2 in zip(mine_opt.param_groups, ref_opt.param_groups):
            assert close(g1["lr"], g2["lr"]), (t, g1["lr"], g2["lr"])
            for key in ("momentum", "betas"):
                if key in g2:
                    a, b = np.ravel(g1[key])[0], np.ravel(g2[key])[0]
                    assert close(float(a), float(b)), (t, key, a, b)
        assert mine.get_last_lr() == [g["lr"] for g in mine_opt.param_groups]
        if t < last:
            mine_opt.step()
            ref_opt.step()
            mine.step()
            ref.step()


def test_one_cycle_end_differs_from_torch_as_documented():
    """torch extrapolates the last phase at step total_steps (negative with linear);
    nshsched holds the final LR, max_lr / div_factor / final_div_factor."""
    cfg = S.OneCycleLRConfig(max_lr=1.0, total_steps=10, pct_start=0.5, anneal_strategy="linear")
    opt, ref_opt = make_optimizer(), make_optimizer()
    mine, ref = (
        build(cfg, opt, LENGTH),
        L.OneCycleLR(ref_opt, 1.0, 10, pct_start=0.5, anneal_strategy="linear"),
    )
    for _ in range(10):
        opt.step(), ref_opt.step(), mine.step(), ref.step()
    assert ref_opt.param_groups[0]["lr"] < 0
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25 / 1e4, rel=1e-12)


TORCH_CLASSES = {
    "step_lr": L.StepLR,
    "multi_step_lr": L.MultiStepLR,
    "exponential_lr": L.ExponentialLR,
    "cosine_annealing_lr": L.CosineAnnealingLR,
    "cosine_annealing_warm_restarts": L.CosineAnnealingWarmRestarts,
    "one_cycle_lr": L.OneCycleLR,
    "polynomial_lr": L.PolynomialLR,
    "linear_lr": L.LinearLR,
    "constant_lr": L.ConstantLR,
    "cyclic_lr": L.CyclicLR,
}
# torch keywords replaced on purpose (documented in the docstrings)
NOT_MIRRORED = {"optimizer", "last_epoch", "epochs", "steps_per_epoch", "scale_fn"}


@pytest.mark.parametrize("tag", sorted(TORCH_CLASSES))
def test_fields_are_torch_keywords_with_torch_defaults(tag):
    cls = S.lr_scheduler_registry.get(tag)
    sig = inspect.signature(TORCH_CLASSES[tag])
    own = set(cls.model_fields) - set(S.LRSchedulerConfigBase.model_fields) - {"name", "warmup"}
    assert own == set(sig.parameters) - NOT_MIRRORED
    for key in own:
        default = sig.parameters[key].default
        field = cls.model_fields[key]
        if default is inspect.Parameter.empty:
            assert field.is_required(), key
        elif key != "scale_mode":  # None = the mode's own (torch ignores it without scale_fn)
            assert field.default == default, key
    assert S.lr_scheduler_registry.get(TORCH_CLASSES[tag].__name__) is cls


def test_default_intervals():
    intervals = {
        tag: S.lr_scheduler_registry.get(tag).model_construct().metadata()["interval"]
        for tag in TORCH_CLASSES
    }
    assert intervals == {
        t: "step" if t in ("one_cycle_lr", "cyclic_lr") else "epoch" for t in TORCH_CLASSES
    }


# ---------------------------------------------------------------------- formulas


def test_expected_values_tables():
    # StepLR: 0.5 ** (t // 3)
    assert [F.step_lr(3, 0.5)(t) for t in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    # MultiStepLR: 0.1 ** #(milestones <= t), milestones 2, 4
    got = [F.multi_step_lr([2, 4], 0.1)(t) for t in range(6)]
    assert np.allclose(got, [1, 1, 0.1, 0.1, 0.01, 0.01], rtol=1e-12)
    # CosineAnnealingLR T_max=4, eta_min=0.1, base 1: 0.1 + 0.9 (1 + cos(pi t / 4)) / 2;
    # past T_max it rises again (t=6 equals t=2, t=8 is back at 1).
    curve = F.eta_min_curve(F.cosine_annealing_lr(4), 0.1)
    table = [1.0, 0.1 + 0.45 * (1 + math.sqrt(0.5)), 0.55, 0.1 + 0.45 * (1 - math.sqrt(0.5)), 0.1]
    for t, want in enumerate(table + table[-2::-1]):
        assert math.isclose(curve.lr(t, 1.0), want, rel_tol=1e-12), t
    # Warm restarts T_0=2, T_mult=2: cycles [0, 2), [2, 6), [6, 14): restarts at 2 and 6.
    f = F.cosine_annealing_warm_restarts(2, 2)
    want = [1, 0.5, 1, (1 + math.cos(math.pi / 4)) / 2, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 1]
    assert np.allclose([f(t) for t in range(7)], want, rtol=1e-12, atol=1e-15)
    # PolynomialLR T=4, p=2: (1 - min(t, 4) / 4) ** 2
    assert [F.polynomial_lr(4, 2.0)(t) for t in range(6)] == [1, 0.5625, 0.25, 0.0625, 0, 0]
    # LinearLR 0.5 -> 1 over 4: 0.5 + 0.5 min(t, 4) / 4
    assert [F.linear_lr(0.5, 1.0, 4)(t) for t in range(6)] == [0.5, 0.625, 0.75, 0.875, 1, 1]
    # ConstantLR factor 0.25 for 2 steps
    assert [F.constant_lr(0.25, 2)(t) for t in range(4)] == [0.25, 0.25, 1, 1]
    # CyclicLR 0.1..1.1, up 2, down 2: 0.1 + h, h = 0, 0.5, 1, 0.5, 0, ...
    c = F.cyclic_lr_curve(0.1, 1.1, 2, 2, momentum=(0.8, 0.9))
    assert np.allclose([c.lr(t, 123.0) for t in range(6)], [0.1, 0.6, 1.1, 0.6, 0.1, 0.6])
    assert c.momentum is not None
    assert np.allclose([c.momentum.lr(t, 0.5) for t in range(3)], [0.9, 0.85, 0.8])
    # triangular2 halves the amplitude each cycle: 0.1 + h / 2 ** (cycle - 1)
    c2 = F.cyclic_lr_curve(0.1, 1.1, 2, 2, mode="triangular2")
    assert np.allclose([c2.lr(t, 1.0) for t in range(4, 9)], [0.1, 0.35, 0.6, 0.35, 0.1])
    # after thousands of cycles the amplitude underflows to 0 (2.0 ** 2500 would overflow)
    assert c2.lr(10_001, 1.0) == 0.1 and c2.lr(np.arange(10_000, 10_004), 1.0).tolist() == [0.1] * 4
    # OneCycle max 1, N=10, pct 0.3, div 10, final 100, linear: up 0.1 -> 1 over steps 0..2,
    # then down to 0.001 at step 9: 1 + (0.001 - 1) (t - 2) / 7
    oc = F.one_cycle_lr_curve(
        1.0, 10, div_factor=10.0, final_div_factor=100.0, anneal_strategy="linear"
    )
    want = [0.1, 0.55, 1.0] + [1 + (0.001 - 1) * (t - 2) / 7 for t in range(3, 10)]
    assert np.allclose([oc.lr(t, 5.0) for t in range(10)], want, rtol=1e-12)
    # held at the final LR from total_steps - 1 on (torch extrapolates at 10, raises after)
    assert oc.lr(10, 5.0) == oc.lr(50, 5.0) == oc.lr(9, 5.0)


def test_generic_warmup_in_front_of_a_mirror():
    # warmup 2 epochs, then StepLR(step_size=2, gamma=0.5) on the local epoch
    cfg = S.StepLRConfig(step_size=2, gamma=0.5, warmup={"kind": "epochs", "value": 2})
    length = S.TrainingLength(steps_per_epoch=3, total_steps=30)
    got = S.preview(cfg, length, [1.0])[::3, 0]
    assert got.tolist() == [0.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]


def test_scalar_and_array_agree():
    steps = np.arange(300)
    for sched in [
        F.step_lr(7, 0.9),
        F.multi_step_lr([5, 50, 51], 0.5),
        F.exponential_lr(0.99),
        F.cosine_annealing_lr(17),
        F.cosine_annealing_warm_restarts(3, 2),
        F.cosine_annealing_warm_restarts(5, 1),
        F.polynomial_lr(40, 1.5),
        F.linear_lr(0.2, 0.9, 33),
        F.constant_lr(0.3, 12),
        F.one_cycle_lr_curve(0.5, 250, three_phase=True).offset,
        F.cyclic_lr_curve(0.1, 0.5, 7, 3, mode="exp_range", gamma=0.99).offset,
        F.cyclic_lr_curve(0.1, 0.5, 7, 3, mode="triangular2", momentum=(0.8, 0.9)).momentum.offset,  # type: ignore[union-attr]
    ]:
        assert sched is not None
        arr = F.evaluate(sched, steps)
        assert np.allclose(arr, [sched(int(t)) for t in steps], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    T_0=st.integers(1, 12),
    T_mult=st.integers(1, 4),
    eta_min=st.floats(0, 0.5),
    t=st.integers(0, 5000),
)
def test_warm_restarts_bounds_and_periodicity(T_0, T_mult, eta_min, t):
    curve = F.eta_min_curve(F.cosine_annealing_warm_restarts(T_0, T_mult), eta_min)
    lr = curve.lr(t, 1.0)
    assert math.isfinite(lr) and eta_min - 1e-12 <= lr <= 1.0 + 1e-12
    if T_mult == 1:
        assert math.isclose(curve.lr(t + T_0, 1.0), lr, rel_tol=1e-9, abs_tol=1e-12)
    # every cycle starts at the base LR: restarts at T_0 (T_mult^i - 1) / (T_mult - 1)
    i = t % 6
    start = T_0 * i if T_mult == 1 else T_0 * (T_mult**i - 1) // (T_mult - 1)
    assert curve.lr(start, 1.0) == 1.0
    if start > 0:
        assert curve.lr(start - 1, 1.0) < 1.0 or T_0 * T_mult ** max(i - 1, 0) == 1


@settings(max_examples=50, deadline=None)
@given(
    max_lr=st.floats(1e-4, 10),
    total=st.integers(10, 400),
    pct=st.floats(0.0, 1.0),
    three=st.booleans(),
    linear=st.booleans(),
)
def test_one_cycle_within_bounds(max_lr, total, pct, three, linear):
    assume(pct * total != 1)
    curve = F.one_cycle_lr_curve(
        max_lr,
        total,
        pct_start=pct,
        three_phase=three,
        anneal_strategy="linear" if linear else "cos",
    )
    lrs = curve.lr(np.arange(total + 20), 1.0)
    assert np.isfinite(lrs).all()
    final = max_lr / 25.0 / 1e4
    assert lrs.min() >= final * (1 - 1e-9) - 1e-15 and lrs.max() <= max_lr * (1 + 1e-12)


@settings(max_examples=50, deadline=None)
@given(
    base=st.floats(0, 1),
    span=st.floats(0, 1),
    up=st.integers(1, 20),
    down=st.integers(0, 20),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
)
def test_cyclic_within_bounds_and_periodic(base, span, up, down, mode):
    curve = F.cyclic_lr_curve(base, base + span, up, down, mode=mode, gamma=0.99)
    lrs = curve.lr(np.arange(500), 7.0)
    assert np.isfinite(lrs).all()
    assert lrs.min() >= base - 1e-12 and lrs.max() <= base + span + 1e-12
    if mode == "triangular":
        n = up + down
        assert np.allclose(lrs[n:], lrs[:-n], atol=1e-12)


# ---------------------------------------------------------------------- resume


RESUME = [
    ({"name": "cosine_annealing_warm_restarts", "T_0": 5, "T_mult": 2, "interval": "step"}, 137),
    ({"name": "cosine_annealing_warm_restarts", "T_0": 3, "T_mult": 2, "eta_min": 0.01}, 40),
    ({"name": "cosine_annealing_lr", "T_max": 30, "eta_min": 0.001, "interval": "step"}, 55),
    ({"name": "one_cycle_lr", "max_lr": 1.0}, 300),
    (
        {
            "name": "cyclic_lr",
            "base_lr": 0.01,
            "max_lr": 0.2,
            "step_size_up": 50,
            "mode": "exp_range",
            "gamma": 0.999,
        },
        77,
    ),
    ({"name": "step_lr", "step_size": 9, "gamma": 0.9, "interval": "step", "frequency": 3}, 20),
]


@pytest.mark.parametrize("data,k", RESUME, ids=lambda c: str(c)[:50])
def test_resume_gives_the_next_800_lrs(data, k):
    cfg = S.lr_scheduler_registry.construct(data)
    length = S.TrainingLength(steps_per_epoch=10, total_steps=1200)

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = make_optimizer(torch.optim.SGD, momentum=0.9)
        return opt, build(cfg, opt, length)

    def make_resumed(optimizer_state: dict[str, Any]) -> tuple[torch.optim.Optimizer, Any]:
        opt2 = make_optimizer(torch.optim.SGD, momentum=0.9)
        opt2.load_state_dict(optimizer_state)
        opt2.param_groups[0]["lr"] = 123.0  # a stray manual edit does not leak in
        return opt2, build(cfg, opt2, length)

    def lr_and_momentum(opt: torch.optim.Optimizer) -> list[tuple[float, float]]:
        return [(g["lr"], g["momentum"]) for g in opt.param_groups]

    r = resume(make, k, 850, record=lr_and_momentum, make_resumed=make_resumed)
    assert_plain(r.state)
    assert r.resumed == r.uninterrupted


# ---------------------------------------------------------------------- preview


def _lightning_stepped(cfg: Any, length: S.TrainingLength) -> np.ndarray:
    """Step the real scheduler as Lightning does (epoch boundaries, frequency)."""
    opt = make_optimizer(torch.optim.SGD, momentum=0.9)
    return stepped_as_lightning(opt, cfg.create_scheduler(opt, length), length)


PREVIEW = [
    {"name": "step_lr", "step_size": 3, "gamma": 0.5, "frequency": 2},
    {"name": "multi_step_lr", "milestones": [2, {"kind": "epochs", "value": 10}]},
    {"name": "exponential_lr", "gamma": 0.9, "frequency": 2},
    {"name": "cosine_annealing_lr", "T_max": 7, "eta_min": 0.01, "frequency": 2},
    {"name": "cosine_annealing_warm_restarts", "T_0": 2, "T_mult": 2, "eta_min": 0.001},
    {"name": "polynomial_lr", "total_iters": 9, "power": 0.5, "frequency": 2},
    {"name": "linear_lr", "total_iters": {"kind": "fraction", "value": 0.5}},
    {"name": "constant_lr", "warmup": {"kind": "epochs", "value": 3}},
    {"name": "one_cycle_lr", "max_lr": 0.5, "interval": "epoch", "frequency": 2},
    {"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "interval": "epoch"},
    {"name": "one_cycle_lr", "max_lr": 0.5, "frequency": 3},
    {"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "frequency": 2},
]


@pytest.mark.parametrize("data", PREVIEW, ids=lambda c: str(c)[:50])
def test_preview_equals_the_stepped_scheduler(data):
    cfg = S.lr_scheduler_registry.construct(data)
    length = S.TrainingLength(steps_per_epoch=3, total_steps=75)
    got = S.preview(cfg, length, list(BASES))
    want = _lightning_stepped(cfg, length)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    if cfg.resolved_metadata()["interval"] == "epoch" and cfg.warmup is None:
        changes = np.nonzero(np.any(np.diff(got, axis=0) != 0, axis=1))[0] + 1
        assert all(c % 3 == 0 for c in changes)  # only at epoch boundaries


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data,match",
    [
        ({"name": "multi_step_lr", "milestones": [5, 3]}, "strictly increasing"),
        (
            {"name": "multi_step_lr", "milestones": [5, {"kind": "steps", "value": 9}, 5]},
            "increasing",
        ),
        ({"name": "step_lr", "step_size": 0}, "step_size"),
        ({"name": "cosine_annealing_lr", "T_max": 0}, "T_max"),
        ({"name": "cosine_annealing_warm_restarts", "T_0": 0}, "T_0"),
        ({"name": "cosine_annealing_warm_restarts", "T_0": 2, "T_mult": 0}, "T_mult"),
        ({"name": "one_cycle_lr", "max_lr": 1.0, "pct_start": 1.5}, "pct_start"),
        ({"name": "one_cycle_lr", "max_lr": 1.0, "pct_start": -0.1}, "pct_start"),
        (
            {"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 10, "pct_start": 0.1},
            r"phase 1 runs from step 0 to step 0, no length .*torch divides by zero",
        ),
        ({"name": "linear_lr", "start_factor": 0.0}, "start_factor"),
        ({"name": "constant_lr", "factor": 1.5}, "factor"),
        ({"name": "exponential_lr"}, "gamma"),
        (
            {
                "name": "cyclic_lr",
                "base_lr": 0.1,
                "max_lr": 1,
                "mode": "exp_range",
                "scale_mode": "cycle",
            },
            "scale_mode='cycle' does not fit mode='exp_range'",
        ),
        ({"name": "cyclic_lr", "base_lr": 0.1, "max_lr": 1, "scale_fn": "x"}, "scale_fn"),
        ({"name": "one_cycle_lr", "max_lr": 1.0, "epochs": 3}, "epochs"),
    ],
)
def test_validation_errors(data, match):
    with pytest.raises(ValidationError, match=match):
        S.lr_scheduler_registry.construct(data)


def test_durations_resolving_to_nothing_are_errors():
    length = S.TrainingLength(steps_per_epoch=10, total_steps=100)
    cfg = S.CosineAnnealingLRConfig(T_max={"kind": "fraction", "value": 0.01})  # 1 step < 1 epoch
    with pytest.raises(ValueError, match=r"CosineAnnealingLRConfig.T_max=.* is 0 scheduler steps"):
        cfg.create_scheduler(make_optimizer(), length)
    ms = S.MultiStepLRConfig(milestones=[{"kind": "steps", "value": 20}, 2])
    with pytest.raises(ValueError, match=r"are \[2, 2\] scheduler steps"):
        ms.create_scheduler(make_optimizer(), length)
    oc = S.OneCycleLRConfig(max_lr=1.0, pct_start=0.5, total_steps={"kind": "steps", "value": 2})
    with pytest.raises(ValueError, match="no length"):
        oc.create_scheduler(make_optimizer(), length)


@pytest.mark.parametrize("field", ["base_momentum", "max_momentum"])
@pytest.mark.parametrize("tag", ["one_cycle_lr", "cyclic_lr"])
def test_momentum_of_one_or_more_into_betas_is_refused_at_creation(tag, field):
    # issue 18 item 2: any finite momentum >= 0 validates (as torch); only an optimizer whose
    # step it would break (betas[0] >= 1: Adam divides by 1 - beta1 ** step) refuses it
    data = {"name": tag, "max_lr": 1.0, field: 1.0}
    if tag == "cyclic_lr":
        data["base_lr"] = 0.1
    cfg = S.lr_scheduler_registry.construct(data)
    length = S.TrainingLength(steps_per_epoch=10, total_steps=100)
    cfg.create_scheduler(make_optimizer(torch.optim.SGD, momentum=0.9), length)
    with pytest.raises(
        ValueError,
        match=rf"{tag}: {field}=1\.0 would be written into betas\[0\] of Adam, which must be "
        r"in \[0, 1\)",
    ):
        cfg.create_scheduler(make_optimizer(torch.optim.Adam), length)
    # inside a sequential phase, and as a group's own schedule beside a global one
    seq = S.SequentialSchedulerConfig(
        phases=[{"schedule": {"name": "constant"}, "duration": 2}, {"schedule": data}]
    )
    with pytest.raises(ValueError, match=rf"{tag}: {field}=1\.0 would be written into betas"):
        seq.create_scheduler(make_optimizer(torch.optim.AdamW), length)
    opt = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "nadam", "lr": 0.1},
            "param_groups": [{"name": "head", "params": ["1.*"], "scheduler": data}],
        }
    )
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    with pytest.raises(ValueError, match=rf"{field}=1\.0 .* param group 'head' of NAdam"):
        opt.build(model, length)
    with pytest.raises(ValueError, match=rf"{field}=1\.0 .* param group 'head' of nadam"):
        check_length(opt, length)  # nshsched validate --total-steps: without torch objects
    with pytest.raises(ValidationError, match=field):
        S.lr_scheduler_registry.construct({**data, field: -0.5})


@pytest.mark.parametrize("tag", ["one_cycle_lr", "cyclic_lr"])
def test_cycle_momentum_needs_momentum_or_betas(tag):
    cfg = S.lr_scheduler_registry.construct(
        {"name": tag, "max_lr": 1.0, "base_lr": 0.1}
        if tag == "cyclic_lr"
        else {"name": tag, "max_lr": 1.0}
    )
    length = S.TrainingLength(steps_per_epoch=10, total_steps=100)
    with pytest.raises(ValueError, match=r"neither `momentum` nor `betas`.*cycle_momentum"):
        cfg.create_scheduler(make_optimizer(torch.optim.Adagrad), length)
    cfg.cycle_momentum = False
    cfg.create_scheduler(make_optimizer(torch.optim.Adagrad), length)
