"""``step_decay`` and ``exponential_decay``: interval schedules with absolute LRs."""

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
from _helpers.stepping import config_stepped, group_optimizer


def length(total: int, spe: int | None = None) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=spe or total, total_steps=total)


def stepped(cfg: Any, total: int, base_lrs=(1.0, 0.5)) -> np.ndarray:
    return config_stepped(cfg, group_optimizer(base_lrs), length(total))


REF = 1.0
"""The optimizer's default LR in these tests (the first base LR): interval LRs are stated for
it, and a group with base ``b`` gets them times ``b / REF`` (group ratios hold)."""


def f_step_decay(t: int, base: float, intervals: list[tuple[int, int, float]]) -> float:
    """base before the first interval; lr_i * base / REF on [s_i, e_i); the previous value in
    gaps and after."""
    value = base
    for s, _e, lr in intervals:
        if t >= s:
            value = lr * base / REF
    return value


def f_exponential(
    t: int, base: float, intervals: list[tuple[int, int, float, float, int]]
) -> float:
    """init * rate ** floor((t - s) / k) * base / REF on [s, e); the value at e - 1 in gaps
    and after."""
    value = base
    for s, e, init, rate, k in intervals:
        if t >= s:
            value = init * rate ** math.floor((min(t, e - 1) - s) / k) * base / REF
    return value


# ---------------------------------------------------------------------- tables and formulas


def test_step_decay_reference_example_table() -> None:
    cfg = S.lr_scheduler_registry.construct(
        {
            "name": "step_decay",
            "intervals": [
                {"start": 0, "end": 1000, "lr": 1.0e-4},
                {"start": 1000, "end": 3000, "lr": 5.0e-5},
                {"start": 3000, "end": 6000, "lr": 1.0e-5},
            ],
        }
    )
    lrs = S.preview(cfg, length(7000), [3e-4])[:, 0]
    table = {
        0: 1e-4,
        999: 1e-4,
        1000: 5e-5,
        2999: 5e-5,
        3000: 1e-5,
        5999: 1e-5,
        6000: 1e-5,
        7000: 1e-5,
    }
    assert {t: lrs[t] for t in table} == pytest.approx(table)


def test_exponential_decay_table() -> None:
    # init 1.0, rate 0.5 every 3 steps on [0, 8): 1,1,1,.5,.5,.5,.25,.25, then .25 held
    cfg = S.ExponentialDecayConfig(
        intervals=[{"start": 0, "end": 8, "init_lr": 1.0, "decay_rate": 0.5, "decay_interval": 3}]
    )
    got = stepped(cfg, 10, (1.0,))[:, 0]
    assert got.tolist() == pytest.approx([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25])


def test_before_first_interval_is_base_lr_and_gaps_hold_previous_value() -> None:
    ivs = [(3, 5, 0.2), (8, 10, 0.1)]
    cfg = S.StepDecayConfig(intervals=[{"start": s, "end": e, "lr": lr} for s, e, lr in ivs])
    got = stepped(cfg, 12)
    want = [[f_step_decay(t, b, ivs) for b in (1.0, 0.5)] for t in range(13)]
    np.testing.assert_allclose(got, want)
    # explicitly: base LR of each group before 3, then the interval LRs for the default LR
    # (1.0), the half-LR group at half of them: the ratio holds
    assert got[2].tolist() == [1.0, 0.5]
    assert got[3].tolist() == [0.2, 0.1]
    assert got[6].tolist() == [0.2, 0.1]  # gap [5, 8): interval 0's final value
    assert got[12].tolist() == [0.1, 0.05]  # after the last interval


def test_exponential_gap_holds_value_at_end_minus_one() -> None:
    ivs = [(0, 5, 1.0, 0.5, 2), (7, 9, 0.1, 0.9, 1)]
    cfg = S.ExponentialDecayConfig(
        intervals=[
            {"start": s, "end": e, "init_lr": i, "decay_rate": r, "decay_interval": k}
            for s, e, i, r, k in ivs
        ]
    )
    got = stepped(cfg, 12, (1.0,))[:, 0]
    assert got.tolist() == pytest.approx([f_exponential(t, 1.0, ivs) for t in range(13)])
    assert got[5] == got[6] == pytest.approx(0.25)  # value at step 4 = 1 * 0.5 ** 2
    assert got[12] == pytest.approx(0.1 * 0.9)


def test_fractions_resolve_against_the_length() -> None:
    cfg = S.StepDecayConfig(
        intervals=[
            {"start": 0, "end": {"kind": "fraction", "value": 0.5}, "lr": 0.1},
            {
                "start": {"kind": "fraction", "value": 0.5},
                "end": {"kind": "fraction", "value": 1.0},
                "lr": 0.01,
            },
        ]
    )
    for total in (10, 1000):
        got = S.preview(cfg, length(total))[:, 0]
        assert got[total // 2 - 1] == 0.1 and got[total // 2] == 0.01


def test_generic_warmup_applies() -> None:
    cfg = S.StepDecayConfig(
        warmup={"kind": "steps", "value": 2},
        intervals=[{"start": 0, "end": 2, "lr": 0.4}, {"start": 2, "end": 4, "lr": 0.2}],
    )
    got = S.preview(cfg, length(8))[:, 0]
    assert got.tolist() == pytest.approx([0.0, 0.2, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2, 0.2])


@settings(max_examples=50, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(1, 6),
            st.floats(0.0, 1.0),
            st.floats(0.1, 1.0),
            st.integers(1, 4),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_properties_exponential_matches_formula_and_preview(
    data: list[tuple[int, int, float, float, int]],
) -> None:
    ivs, t = [], 0
    for gap, width, init, rate, k in data:
        ivs.append((t + gap, t + gap + width, init, rate, k))
        t += gap + width
    cfg = S.ExponentialDecayConfig(
        intervals=[
            {"start": s, "end": e, "init_lr": i, "decay_rate": r, "decay_interval": k}
            for s, e, i, r, k in ivs
        ]
    )
    total = t + 3
    got = stepped(cfg, total)
    want = [[f_exponential(t, b, ivs) for b in (1.0, 0.5)] for t in range(total + 1)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(S.preview(cfg, length(total), [1.0, 0.5]), got, rtol=1e-12)
    assert np.isfinite(got).all()
    # monotone (non-increasing) inside each interval
    for s, e, *_ in ivs:
        assert (np.diff(got[s:e, 0]) <= 1e-15).all()


# ---------------------------------------------------------------------- validation errors


@pytest.mark.parametrize(
    ("intervals", "match"),
    [
        ([], "at least 1 item"),
        ([{"start": 5, "end": 5, "lr": 0.1}], r"intervals\[0\]: start \(5\) must be < end \(5\)"),
        (
            [{"start": 0, "end": 10, "lr": 0.1}, {"start": 5, "end": 20, "lr": 0.05}],
            r"intervals\[1\] overlaps or precedes intervals\[0\]: its start \(5\) must be >= the previous end \(10\)",
        ),
        (
            [{"start": 10, "end": 20, "lr": 0.1}, {"start": 0, "end": 5, "lr": 0.05}],
            r"intervals\[1\] overlaps or precedes intervals\[0\]: its start \(0\) must be >= the previous end \(20\)",
        ),
        ([{"start": 0, "end": 5, "lr": -0.1}], "greater than or equal to 0"),
        ([{"start": -1, "end": 5, "lr": 0.1}], "greater than or equal to 0"),
        (
            [{"start": 0, "end": 5, "lr": 0.1, "typo": 1}],
            "intervals.0.typo: not a field of StepDecayIntervalConfig",
        ),
    ],
)
def test_step_decay_validation_errors(intervals: list[dict[str, Any]], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.StepDecayConfig(intervals=intervals)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"decay_rate": 0.0}, "greater than 0"),
        ({"decay_interval": 0}, "greater than or equal to 1"),
        ({"init_lr": -1.0}, "greater than or equal to 0"),
    ],
)
def test_exponential_validation_errors(extra: dict[str, Any], match: str) -> None:
    interval = {
        "start": 0,
        "end": 5,
        "init_lr": 1.0,
        "decay_rate": 0.9,
        "decay_interval": 2,
    } | extra
    with pytest.raises(ValidationError, match=match):
        S.ExponentialDecayConfig(intervals=[interval])


def test_overlap_with_fractions_is_an_error_at_creation() -> None:
    cfg = S.StepDecayConfig(
        intervals=[
            {"start": 0, "end": {"kind": "fraction", "value": 0.6}, "lr": 0.1},
            {
                "start": {"kind": "fraction", "value": 0.5},
                "end": {"kind": "fraction", "value": 1.0},
                "lr": 0.01,
            },
        ]
    )
    with pytest.raises(
        ValueError,
        match=r"intervals\[1\] overlaps .*its start \(.*= 50 scheduler steps\) must be >= the previous end \(.*= 60 scheduler steps\)",
    ):
        S.preview(cfg, length(100))
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="overlaps"):
        cfg.create_scheduler(opt, length(100))


def test_empty_interval_from_fractions_and_zero_decay_interval_at_creation() -> None:
    cfg = S.StepDecayConfig(
        intervals=[
            {
                "start": {"kind": "fraction", "value": 0.5},
                "end": {"kind": "fraction", "value": 0.501},
                "lr": 0.1,
            }
        ]
    )
    with pytest.raises(
        ValueError, match=r"intervals\[0\]: start \(.*= 5 scheduler steps\) must be < end"
    ):
        S.preview(cfg, length(10))
    cfg2 = S.ExponentialDecayConfig(
        intervals=[
            {
                "start": 0,
                "end": 5,
                "init_lr": 1.0,
                "decay_rate": 0.9,
                "decay_interval": {"kind": "fraction", "value": 0.01},
            }
        ]
    )
    with pytest.raises(
        ValueError, match=r"intervals\[0\].decay_interval .* must be at least 1 step"
    ):
        S.preview(cfg2, length(10))


def test_functional_errors() -> None:
    F = S.functional
    with pytest.raises(ValueError, match="interval must be >= 1 step"):
        F.staircase_exponential(1.0, 0.5, 0)
    with pytest.raises(ValueError, match="at least one"):
        F.interval_curve([], [], [])
    with pytest.raises(ValueError, match="overlap or are out of order"):
        F.interval_curve([0, 2], [3, 5], [F.constant(1.0), F.constant(0.5)])
    with pytest.raises(ValueError, match="start must be < end"):
        F.interval_curve([2], [2], [F.constant(1.0)])
