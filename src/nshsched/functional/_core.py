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
    "KEEP",
    "SCALAR_OPS",
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
        # Python floats raise where numpy gives inf (2.0 ** 1025): answer as the array path
        # does, so the runtime's finiteness check names the schedule instead of a traceback.
        try:
            return x**p
        except OverflowError:
            return math.inf

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


SCALAR_OPS = _MathOps()
"""The operations for a Python number: ``ops(t) is SCALAR_OPS`` tells a scalar step."""
_NUMPY: _NumpyOps | None = None


def ops(t: Step) -> Any:
    """The operations matching ``t``: ``math`` for a Python number, numpy for an array."""
    global _NUMPY
    if type(t) is int or type(t) is float:
        return SCALAR_OPS
    np = sys.modules.get("numpy")
    if np is not None and isinstance(t, np.ndarray | np.generic):
        if _NUMPY is None:
            _NUMPY = _NumpyOps()
        return _NUMPY
    return SCALAR_OPS


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
        if type(t) is int or ops(t) is SCALAR_OPS:
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
        if type(t) is int or ops(t) is SCALAR_OPS:
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
    r"""A param-group value as a closed form of the step.

    .. math::
        v(t) = b\, s(t) + o(t) + k\, r(t)

    where :math:`b` is the group's base value (its base LR), :math:`s` is ``scale`` (the
    multiplier), :math:`o` is ``offset`` (an absolute value that is the same for every group,
    e.g. torch's ``eta_min``), and :math:`r` is ``ref_offset``: an absolute value stated for
    the optimizer's default LR (the RL reference's interval LRs, Hugging Face's ``lr_end``),
    which a group receives scaled by :math:`k` = its base / the default (so group ratios hold)
    when the schedule is global, and as is (:math:`k = 1`) when it is the group's own.
    ``None`` components are 0.

    ``momentum``, when given, is the momentum (or Adam's ``beta1``) as a curve of its own
    over the group's configured momentum: ``one_cycle_lr``/``cyclic_lr`` cycle it
    (``scale`` 0, ``offset`` the absolute momentum); elsewhere in a joined curve it is the
    configured value (``scale`` 1).
    """

    __slots__ = ("momentum", "offset", "ref_offset", "scale")

    def __init__(
        self,
        scale: Schedule,
        offset: Schedule | None = None,
        momentum: LRCurve | None = None,
        ref_offset: Schedule | None = None,
    ) -> None:
        self.scale = scale
        self.offset = offset
        self.momentum = momentum
        self.ref_offset = ref_offset

    @property
    def relative(self) -> bool:
        """Whether the value is ``base * scale`` alone (no absolute part, no momentum)."""
        return self.offset is None and self.ref_offset is None and self.momentum is None

    def lr(self, t: Step, base: Any, ratio: float = 1.0) -> Any:
        """The value at step ``t`` for a group whose base value is ``base`` (``ratio``: the
        factor applied to ``ref_offset``)."""
        value = base * self.scale(t)
        if self.offset is not None:
            value = value + self.offset(t)
        if self.ref_offset is not None:
            value = value + ratio * self.ref_offset(t)
        return value

    def map(self, fn: Callable[[Schedule], Schedule]) -> LRCurve:
        """The same transformation (shift, every, ...) applied to every component."""
        return LRCurve(
            fn(self.scale),
            None if self.offset is None else fn(self.offset),
            None if self.momentum is None else self.momentum.map(fn),
            None if self.ref_offset is None else fn(self.ref_offset),
        )

    def at(self, t: int) -> LRCurve:
        """The constant curve equal to this one's value at step ``t``."""
        return LRCurve(
            constant(float(self.scale(t))),
            None if self.offset is None else constant(float(self.offset(t))),
            None if self.momentum is None else self.momentum.at(t),
            None if self.ref_offset is None else constant(float(self.ref_offset(t))),
        )


KEEP = LRCurve(constant(1.0))
"""The curve that keeps a group's configured value (``base * 1``)."""


def _none_as(value: float, schedule: Schedule | None) -> Schedule:
    return constant(value) if schedule is None else schedule


def join_curves(curves: Sequence[LRCurve], boundaries: Sequence[int]) -> LRCurve:
    """:func:`join` applied to curves, component by component (a missing offset is 0, a
    missing momentum keeps the configured one)."""
    curves = list(curves)
    if len(curves) == 1:
        return curves[0]
    offset = None
    if any(c.offset is not None for c in curves):
        offset = join([_none_as(0.0, c.offset) for c in curves], boundaries)
    ref_offset = None
    if any(c.ref_offset is not None for c in curves):
        ref_offset = join([_none_as(0.0, c.ref_offset) for c in curves], boundaries)
    momentum = None
    if any(c.momentum is not None for c in curves):
        momentum = join_curves([c.momentum or KEEP for c in curves], boundaries)
    return LRCurve(join([c.scale for c in curves], boundaries), offset, momentum, ref_offset)


def warmup_curve(curve: LRCurve, steps: int) -> LRCurve:
    """:func:`warmup` (from 0) applied to a curve: every group's value rises linearly from 0
    to the curve's value at its own step 0, then follows the curve shifted by ``steps``. A
    cycled momentum holds its step-0 value during the warmup."""
    if steps <= 0:
        return curve
    return LRCurve(
        warmup(curve.scale, steps),
        None if curve.offset is None else warmup(curve.offset, steps),
        None
        if curve.momentum is None
        else join_curves([curve.momentum.at(0), curve.momentum], [steps]),
        None if curve.ref_offset is None else warmup(curve.ref_offset, steps),
    )
