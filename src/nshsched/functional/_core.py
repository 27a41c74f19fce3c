"""The closed-form core: schedules as pure functions of the step, and how to join them.

A *schedule* is a callable ``step -> multiplier``. It accepts a Python ``int`` (the fast path,
used by the torch scheduler on every step) or a numpy integer array (used by
:func:`nshsched.preview`), and answers element-wise. Nothing here imports torch or pydantic,
and numpy is only touched when the caller passes an array.
"""

from __future__ import annotations

import bisect
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

__all__ = [
    "LRCurve",
    "Schedule",
    "Step",
    "constant",
    "cosine",
    "evaluate",
    "every",
    "join",
    "join_curves",
    "linear",
    "ops",
    "shift",
    "warmup",
    "warmup_curve",
]

Step: TypeAlias = Any
"""An ``int`` step, or a numpy integer array of steps."""

Schedule: TypeAlias = Callable[[Step], Any]
"""``step -> multiplier``, element-wise on arrays."""


class _MathOps:
    """Scalar versions of the few array operations schedules use."""

    cos = staticmethod(math.cos)
    sqrt = staticmethod(math.sqrt)
    floor = staticmethod(math.floor)
    log = staticmethod(math.log)
    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b

    @staticmethod
    def clip(x: Any, lo: Any, hi: Any) -> Any:
        return lo if x < lo else hi if x > hi else x

    @staticmethod
    def power(x: Any, p: Any) -> Any:
        return x**p

    @staticmethod
    def floor_div(a: Any, b: Any) -> Any:
        return a // b


class _NumpyOps:
    """The same operations on numpy arrays (numpy is imported only when an array is seen)."""

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.cos = np.cos
        self.sqrt = np.sqrt
        self.floor = np.floor
        self.log = np.log
        self.minimum = np.minimum
        self.maximum = np.maximum
        self.where = np.where
        self.clip = np.clip
        self.power = np.power
        self.floor_div = np.floor_divide


_MATH = _MathOps()
_NUMPY: _NumpyOps | None = None


def ops(t: Step) -> Any:
    """The operations matching ``t``: ``math`` for a Python number, numpy for an array."""
    global _NUMPY
    if type(t) is int or type(t) is float:
        return _MATH
    np = sys.modules.get("numpy")
    if np is not None and isinstance(t, np.ndarray | np.generic):
        if _NUMPY is None:
            _NUMPY = _NumpyOps()
        return _NUMPY
    return _MATH


def evaluate(schedule: Schedule, steps: Any) -> Any:
    """``schedule`` at every step of the integer array ``steps``, as a float64 array."""
    import numpy as np

    steps = np.asarray(steps, dtype=np.int64)
    out = np.asarray(schedule(steps), dtype=np.float64)
    if out.shape == steps.shape and out.flags.owndata and out.flags.writeable:
        return out  # already a fresh array of the right shape: no copy needed
    return np.broadcast_to(out, steps.shape).copy()


# ---------------------------------------------------------------------- shapes


def constant(value: float = 1.0) -> Schedule:
    """``α(t) = value`` for every step."""

    def schedule(t: Step) -> Any:
        if type(t) is int or ops(t) is _MATH:
            return value
        return ops(t).np.full(t.shape, value, dtype=float)

    return schedule


def linear(start: float, end: float, steps: int) -> Schedule:
    """Straight line from ``start`` at step 0 to ``end`` at ``steps``, then ``end``.

    .. math::
        α(t) = \\begin{cases}
            s + (e - s)\\, t / T & t < T \\\\
            e & t \\ge T
        \\end{cases}

    where :math:`s` is ``start``, :math:`e` is ``end`` and :math:`T` is ``steps``
    (``steps == 0`` gives ``end`` everywhere).
    """
    if steps <= 0:
        return constant(end)
    slope = (end - start) / steps

    def schedule(t: Step) -> Any:
        if type(t) is int:  # scalar fast path (same value as the generic line)
            return start + slope * (t if t < steps else steps)
        return start + slope * ops(t).minimum(t, steps)

    return schedule


def cosine(start: float, end: float, steps: int) -> Schedule:
    """Half a cosine from ``start`` at step 0 to ``end`` at ``steps``, then ``end``.

    .. math::
        α(t) = e + (s - e)\\, \\frac{1 + \\cos(\\pi \\min(t, T) / T)}{2}
    """
    if steps <= 0:
        return constant(end)
    half = (start - end) / 2.0
    scale = math.pi / steps

    def schedule(t: Step) -> Any:
        if type(t) is int:  # scalar fast path (same value as the generic line)
            return end + half * (1.0 + math.cos(scale * (t if t < steps else steps)))
        o = ops(t)
        return end + half * (1.0 + o.cos(scale * o.minimum(t, steps)))

    return schedule


# ---------------------------------------------------------------------- combinators


def shift(schedule: Schedule, offset: int) -> Schedule:
    """``t -> schedule(t - offset)``."""
    if offset == 0:
        return schedule
    return lambda t: schedule(t - offset)


def every(schedule: Schedule, n: int) -> Schedule:
    """``t -> schedule(t // n)``: the schedule advances once every ``n`` steps."""
    if n < 1:
        raise ValueError(f"every: n must be >= 1, got {n=}")
    if n == 1:
        return schedule

    def stepped(t: Step) -> Any:
        if type(t) is int:
            return schedule(t // n)
        return schedule(ops(t).floor_div(t, n))

    return stepped


def join(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Schedules run end to end: ``schedules[i]`` covers ``[boundaries[i-1], boundaries[i])``.

    Each schedule sees its own local step, counted from the start of its segment; the last
    one runs forever. Boundaries must be whole, non-negative and non-decreasing, one fewer
    than the schedules (an empty segment is allowed: it is skipped).

    Raises:
        ValueError: The boundaries do not fit the schedules.
    """
    schedules = list(schedules)
    bounds = [int(b) for b in boundaries]
    if len(bounds) != len(schedules) - 1:
        raise ValueError(
            f"join: {len(schedules)} schedules need {len(schedules) - 1} boundaries, "
            f"got {len(bounds)}: {bounds}"
        )
    if any(b < 0 for b in bounds) or any(b2 < b1 for b1, b2 in itertools.pairwise(bounds)):
        raise ValueError(f"join: boundaries must be non-negative and non-decreasing, got {bounds}")
    if not bounds:
        return schedules[0]
    starts = [0, *bounds]

    def schedule(t: Step) -> Any:
        if type(t) is int or ops(t) is _MATH:
            i = bisect.bisect_right(bounds, t)
            return schedules[i](t - starts[i])
        np = ops(t).np
        idx = np.searchsorted(np.asarray(bounds), t, side="right")
        out = np.empty(np.shape(t), dtype=float)
        for i, (s, start) in enumerate(zip(schedules, starts)):
            mask = idx == i
            if mask.any():
                local = t[mask] - start
                out[mask] = np.broadcast_to(s(local), local.shape)
        return out

    return schedule


def warmup(schedule: Schedule, steps: int, start: float = 0.0) -> Schedule:
    """Linear warmup joined in front of ``schedule``.

    For ``t < W`` the multiplier rises linearly from ``start`` to ``schedule(0)``; from ``W`` on
    it is ``schedule(t - W)``, so there is no jump where they meet.

    .. math::
        α(t) = \\begin{cases}
            a + (f(0) - a)\\, t / W & t < W \\\\
            f(t - W) & t \\ge W
        \\end{cases}

    where :math:`f` is ``schedule``, :math:`W` is ``steps`` and :math:`a` is ``start``.
    """
    if steps < 0:
        raise ValueError(f"warmup: steps must be >= 0, got {steps=}")
    if steps == 0:
        return schedule
    peak = float(schedule(0))
    return join([linear(start, peak, steps), schedule], [steps])


# ---------------------------------------------------------------------- LR curves


class LRCurve:
    """The learning rate of one param group as a closed form: ``lr(t) = base * scale(t) + offset(t)``.

    ``scale`` is the multiplier of the group's base LR. ``offset`` is an absolute LR added to
    it, for schedules whose torch original mixes absolute values in (``eta_min``,
    ``max_lr``, interval LRs); ``None`` means 0. ``momentum``, when given, is the absolute
    momentum (or Adam's ``beta1``) that the schedule cycles (``one_cycle_lr``, ``cyclic_lr``).
    """

    __slots__ = ("momentum", "offset", "scale")

    def __init__(
        self, scale: Schedule, offset: Schedule | None = None, momentum: Schedule | None = None
    ) -> None:
        self.scale = scale
        self.offset = offset
        self.momentum = momentum

    def lr(self, t: Step, base: Any) -> Any:
        """The learning rate at step ``t`` for a group whose base LR is ``base``."""
        value = base * self.scale(t)
        if self.offset is not None:
            value = value + self.offset(t)
        return value

    def map(self, fn: Callable[[Schedule], Schedule]) -> LRCurve:
        """The same transformation (shift, every, ...) applied to every component."""
        return LRCurve(
            fn(self.scale),
            None if self.offset is None else fn(self.offset),
            None if self.momentum is None else fn(self.momentum),
        )


def _none_as(value: float, schedule: Schedule | None) -> Schedule:
    return constant(value) if schedule is None else schedule


def join_curves(curves: Sequence[LRCurve], boundaries: Sequence[int]) -> LRCurve:
    """:func:`join` applied to LR curves, component by component."""
    curves = list(curves)
    offset = None
    if any(c.offset is not None for c in curves):
        offset = join([_none_as(0.0, c.offset) for c in curves], boundaries)
    momentum = None
    if any(c.momentum is not None for c in curves):
        momentum = join([_momentum_or_keep(c.momentum) for c in curves], boundaries)
    return LRCurve(join([c.scale for c in curves], boundaries), offset, momentum)


def _keep(t: Step) -> Any:
    return None


def _momentum_or_keep(schedule: Schedule | None) -> Schedule:
    """A momentum schedule, or one answering ``None`` (leave the momentum alone)."""
    return _keep if schedule is None else schedule


def warmup_curve(curve: LRCurve, steps: int) -> LRCurve:
    """:func:`warmup` (from 0) applied to an LR curve: every group's LR rises linearly from 0
    to the curve's LR at its own step 0, then follows the curve shifted by ``steps``."""
    if steps <= 0:
        return curve
    momentum = None
    if curve.momentum is not None:
        momentum = join([constant(float(curve.momentum(0))), curve.momentum], [steps])
    return LRCurve(
        warmup(curve.scale, steps),
        None if curve.offset is None else warmup(curve.offset, steps),
        momentum,
    )
