"""The closed-form core: shapes, combinators, LR curves; ints and numpy arrays agree."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nshsched import functional as F

STEPS = np.arange(0, 40, dtype=np.int64)


def scalar_and_array_agree(schedule: F.Schedule, steps: np.ndarray = STEPS) -> np.ndarray:
    """Evaluate on each Python int and on the whole array; assert they are equal within a
    few ulps of the largest value (numpy's vectorised ``cos`` and ``math.cos`` may differ by
    an ulp, which a peak of 10 scales: seen with numpy 1.24, 1.8e-15 on a value of 0.07)."""
    scalars = np.array([float(schedule(int(t))) for t in steps])
    array = F.evaluate(schedule, steps)
    scale = max(1.0, float(np.abs(scalars).max(initial=0.0)))
    np.testing.assert_allclose(array, scalars, rtol=1e-15, atol=4 * np.finfo(float).eps * scale)
    return scalars


# ---------------------------------------------------------------------- shapes


def test_linear_table_and_formula() -> None:
    s = F.linear(1.0, 0.0, 4)
    assert [s(t) for t in range(7)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0, 0.0]
    s = F.linear(0.2, 1.0, 8)
    values = scalar_and_array_agree(s)
    expected = [0.2 + (1.0 - 0.2) * min(t, 8) / 8 for t in STEPS]
    np.testing.assert_allclose(values, expected, rtol=1e-14)


def test_linear_zero_steps_is_the_end_value() -> None:
    s = F.linear(1.0, 0.3, 0)
    assert s(0) == 0.3 and s(10) == 0.3
    np.testing.assert_array_equal(F.evaluate(s, STEPS), np.full(STEPS.shape, 0.3))


def test_cosine_table_and_formula() -> None:
    s = F.cosine(1.0, 0.0, 4)
    assert [round(s(t), 6) for t in range(6)] == [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]
    s = F.cosine(2.0, 0.5, 10)
    values = scalar_and_array_agree(s)
    expected = [0.5 + (2.0 - 0.5) * (1 + math.cos(math.pi * min(t, 10) / 10)) / 2 for t in STEPS]
    np.testing.assert_allclose(values, expected, rtol=1e-14)
    assert F.cosine(1.0, 0.2, 0)(5) == 0.2


def test_constant_on_ints_and_arrays() -> None:
    s = F.constant(0.7)
    assert s(3) == 0.7
    out = s(STEPS)
    assert out.shape == STEPS.shape and np.all(out == 0.7)
    assert F.constant()(0) == 1.0


def test_shift_and_every() -> None:
    base = F.linear(0.0, 1.0, 10)
    shifted = F.shift(base, 3)
    assert shifted(5) == base(2)
    assert F.shift(base, 0) is base
    e = F.every(base, 3)
    scalar_and_array_agree(e)
    # every: the value at t // n.
    assert [e(t) for t in range(7)] == [base(t // 3) for t in range(7)]
    assert F.every(base, 1) is base


def test_every_rejects_n_below_one() -> None:
    with pytest.raises(ValueError, match="n must be >= 1, got n=0"):
        F.every(F.constant(), 0)


# ---------------------------------------------------------------------- join / warmup


def test_join_table_local_steps() -> None:
    s = F.join([F.constant(1.0), F.linear(0.0, 1.0, 4), F.constant(0.1)], [2, 6])
    values = scalar_and_array_agree(s, np.arange(9))
    assert values.tolist() == [1.0, 1.0, 0.0, 0.25, 0.5, 0.75, 0.1, 0.1, 0.1]


def test_join_empty_segment_is_skipped() -> None:
    s = F.join([F.constant(1.0), F.constant(2.0), F.constant(3.0)], [2, 2])
    assert scalar_and_array_agree(s, np.arange(4)).tolist() == [1.0, 1.0, 3.0, 3.0]


def test_join_single_schedule_is_itself() -> None:
    s = F.constant(0.5)
    assert F.join([s], []) is s


@pytest.mark.parametrize(
    ("boundaries", "match"),
    [
        ([3], r"3 schedules need 2 boundaries, got 1: \[3\]"),
        ([1, 2, 3], r"3 schedules need 2 boundaries, got 3"),
        ([-1, 2], r"non-negative and non-decreasing, got \[-1, 2\]"),
        ([5, 2], r"non-negative and non-decreasing, got \[5, 2\]"),
    ],
)
def test_join_validates_boundaries(boundaries: list[int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        F.join([F.constant(), F.constant(), F.constant()], boundaries)


def test_warmup_table_and_formula() -> None:
    inner = F.cosine(1.0, 0.0, 8)
    s = F.warmup(inner, 4)
    values = scalar_and_array_agree(s, np.arange(14))
    expected = [t / 4 if t < 4 else inner(t - 4) for t in range(14)]
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert values[:5].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_warmup_from_a_start_value_to_schedule_at_zero() -> None:
    s = F.warmup(F.constant(0.8), 4, start=0.4)
    assert [round(s(t), 12) for t in range(6)] == [0.4, 0.5, 0.6, 0.7, 0.8, 0.8]


def test_warmup_zero_is_the_schedule_and_negative_is_an_error() -> None:
    inner = F.constant(0.5)
    assert F.warmup(inner, 0) is inner
    with pytest.raises(ValueError, match="steps must be >= 0, got steps=-1"):
        F.warmup(inner, -1)


# ---------------------------------------------------------------------- LR curves


def test_lr_curve_offset_and_map() -> None:
    curve = F.LRCurve(F.linear(1.0, 0.0, 4), F.linear(0.0, 0.1, 4))
    assert curve.lr(0, 2.0) == 2.0
    assert curve.lr(4, 2.0) == pytest.approx(0.1)
    np.testing.assert_allclose(
        curve.lr(np.arange(5), 2.0), [2 * (1 - t / 4) + 0.1 * t / 4 for t in range(5)]
    )
    shifted = curve.map(lambda s: F.shift(s, 2))
    assert shifted.lr(6, 2.0) == curve.lr(4, 2.0)
    assert F.LRCurve(F.constant(0.5)).lr(3, 4.0) == 2.0


def test_join_curves_mixes_offsets_and_momentum() -> None:
    a = F.LRCurve(F.constant(1.0))
    b = F.LRCurve(
        F.constant(0.0), F.constant(0.05), momentum=F.LRCurve(F.constant(0.0), F.constant(0.9))
    )
    j = F.join_curves([a, b], [3])
    assert [j.lr(t, 2.0) for t in range(5)] == [2.0, 2.0, 2.0, 0.05, 0.05]
    assert j.momentum is not None
    # phases without one keep the configured momentum (scale 1), the cycled ones set it
    assert j.momentum.lr(0, 0.7) == 0.7
    assert j.momentum.lr(4, 0.7) == 0.9


def test_warmup_curve_rises_to_the_curve_value_at_zero() -> None:
    curve = F.LRCurve(
        F.constant(0.5), F.constant(0.1), momentum=F.LRCurve(F.constant(0.0), F.constant(0.85))
    )
    w = F.warmup_curve(curve, 4)
    assert [round(w.lr(t, 1.0), 12) for t in range(6)] == [0.0, 0.15, 0.3, 0.45, 0.6, 0.6]
    assert w.momentum is not None and w.momentum.lr(0, 0.3) == 0.85
    assert F.warmup_curve(curve, 0) is curve


# ---------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    total=st.integers(1, 60),
    data=st.data(),
    peak=st.floats(0.1, 10),
    floor=st.floats(0, 0.09),
)
def test_warmup_cosine_properties(
    total: int, data: st.DataObject, peak: float, floor: float
) -> None:
    warm = data.draw(st.sampled_from(sorted({0, 1, max(0, total - 1), total})))
    inner = F.cosine(peak, floor, total - warm)
    s = F.warmup(inner, warm)
    t = np.arange(total + 10)
    values = scalar_and_array_agree(s, t)
    assert np.all(np.isfinite(values))
    assert np.all(values >= -1e-12) and np.all(values <= peak + 1e-12)
    # Monotone within each phase.
    assert np.all(np.diff(values[: warm + 1]) >= -1e-12)
    assert np.all(np.diff(values[warm:]) <= 1e-12)
    # Continuous where the phases join: the warmup ends exactly at the schedule's step 0
    # (the peak, or the floor when the cosine has no steps left).
    if warm > 0:
        # floor + (peak - floor) rounds to within an ulp of peak, not always to peak itself.
        assert values[warm] == inner(0)
        assert math.isclose(inner(0), peak if total > warm else floor, rel_tol=1e-12)
        assert abs(values[warm] - values[warm - 1]) <= inner(0) / warm + 1e-12
    # Equal to the floor after the end (cosine is not cyclic).
    if total - warm > 0:
        np.testing.assert_allclose(values[total:], floor, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    n=st.integers(1, 4),
)
def test_join_of_linear_phases_ints_equal_arrays(lengths: list[int], n: int) -> None:
    schedules = [F.linear(1.0, 0.0, d) for d in lengths]
    bounds = list(np.cumsum(lengths[:-1]))
    s = F.every(F.join(schedules, bounds), n)
    values = scalar_and_array_agree(s, np.arange(sum(lengths) * n + 5))
    assert np.all((values >= 0) & (values <= 1))
