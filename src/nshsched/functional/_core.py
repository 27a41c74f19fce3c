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
from typing import Any, Literal, TypeAlias

__all__ = [
    "SCALAR_OPS",
    "RampShape",
    "Schedule",
    "Step",
    "check_warmup",
    "constant",
    "cosine",
    "evaluate",
    "every",
    "join",
    "linear",
    "ops",
    "shift",
    "warmup",
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
    """The operations matching ``t``: ``math`` for a Python number, numpy for an array.

    Example:
        >>> from nshsched import functional as F
        >>> import numpy as np
        >>> F.ops(3) is F.SCALAR_OPS
        True
        >>> F.ops(np.arange(4)).minimum(np.arange(4), 2).tolist()
        [0, 1, 2, 2]
    """
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
    """``schedule`` at every step of the integer array ``steps``, as a float64 array.

    Example:
        >>> from nshsched import functional as F
        >>> F.evaluate(F.linear(1.0, 0.0, 4), range(6)).tolist()
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    import numpy as np

    steps = np.asarray(steps, dtype=np.int64)
    out = np.asarray(schedule(steps), dtype=np.float64)
    if out.shape == steps.shape and out.flags.owndata and out.flags.writeable:
        return out  # already a fresh array of the right shape: no copy needed
    return np.broadcast_to(out, steps.shape).copy()


# ---------------------------------------------------------------------- shapes


def constant(value: float = 1.0) -> Schedule:
    """``α(t) = value`` for every step.

    Example:
        >>> from nshsched import functional as F
        >>> import numpy as np
        >>> [F.constant(0.5)(t) for t in range(3)]
        [0.5, 0.5, 0.5]
        >>> F.constant(0.5)(np.arange(3)).tolist()
        [0.5, 0.5, 0.5]
    """

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

    Example:
        >>> from nshsched import functional as F
        >>> [F.linear(1.0, 0.0, 4)(t) for t in range(6)]
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.cosine(1.0, 0.0, 4)(t), 3) for t in range(6)]
        [1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
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
    """``t -> schedule(t - offset)``.

    Example:
        >>> from nshsched import functional as F
        >>> [F.shift(F.linear(0.0, 1.0, 2), 1)(t) for t in range(1, 5)]
        [0.0, 0.5, 1.0, 1.0]
    """
    if offset == 0:
        return schedule
    return lambda t: schedule(t - offset)


def every(schedule: Schedule, n: int) -> Schedule:
    """``t -> schedule(t // n)``: the schedule advances once every ``n`` steps.

    Example:
        >>> from nshsched import functional as F
        >>> [F.every(F.linear(1.0, 0.0, 4), 2)(t) for t in range(8)]
        [1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25]
    """
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

    Example:
        >>> from nshsched import functional as F
        >>> hold_then_decay = F.join([F.constant(1.0), F.linear(1.0, 0.0, 2)], [3])
        >>> [hold_then_decay(t) for t in range(7)]
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0]

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


RampShape: TypeAlias = Literal["linear", "cosine", "1-sqrt"]
"""The shape of a warmup: :math:`w(p) = p`, :math:`\\tfrac12(1 - \\cos \\pi p)` or
:math:`1 - \\sqrt{1 - p}` over the progress :math:`p \\in [0, 1)`."""


def check_warmup(warmup_steps: int, total: int | None = None) -> None:
    """Raise unless ``0 <= warmup_steps`` (``<= total`` when a total is given).

    Example:
        >>> from nshsched import functional as F
        >>> F.check_warmup(2, 10)
        >>> F.check_warmup(12, 10)
        Traceback (most recent call last):
        ...
        ValueError: warmup must be <= total, got warmup_steps=12 > total=10

    Raises:
        ValueError: naming both values.
    """
    if warmup_steps < 0:
        raise ValueError(f"warmup must be >= 0 steps, got {warmup_steps=}")
    if total is not None and total < warmup_steps:
        raise ValueError(f"warmup must be <= total, got {warmup_steps=} > {total=}")


def _ramp(start: float, end: float, steps: int, shape: RampShape) -> Schedule:
    """``start + (end - start) w(t / steps)`` for ``0 <= t < steps`` (``steps >= 1``)."""
    if shape == "linear":
        return linear(start, end, steps)
    if shape not in ("cosine", "1-sqrt"):
        raise ValueError(f"warmup: shape must be linear, cosine or 1-sqrt, got {shape!r}")
    rise = end - start

    def schedule(t: Step) -> Any:
        o = ops(t)
        p = t / steps
        w = 0.5 * (1.0 - o.cos(math.pi * p)) if shape == "cosine" else 1.0 - o.sqrt(1.0 - p)
        return start + rise * w

    return schedule


def warmup(
    schedule: Schedule,
    steps: int,
    start: float = 0.0,
    *,
    peak: float | None = None,
    shape: RampShape = "linear",
    inclusive: bool = False,
) -> Schedule:
    """A warmup joined in front of ``schedule``: the one warmup every schedule uses.

    For ``t < W`` the value rises from ``start`` towards ``peak`` (default: the schedule's
    value at its own step 0, so nothing jumps where they meet); from ``W`` on it is
    ``schedule(t - W)``.

    .. math::
        α(t) = \\begin{cases}
            a + (h - a)\\, w\\big(t / W'\\big) & t < W \\\\
            f(t - W) & t \\ge W
        \\end{cases}

    where :math:`f` is ``schedule``, :math:`W` is ``steps``, :math:`a` is ``start``,
    :math:`h` is ``peak`` (:math:`f(0)` by default), :math:`w` the ramp's ``shape``
    (:data:`RampShape`) and :math:`W' = W` — or :math:`\\max(1, W - 1)` when ``inclusive``:
    the ramp then reaches the peak on its last step, :math:`W - 1`, as Hugging Face's
    ``cosine_warmup_with_min_lr`` does.

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.warmup(F.constant(1.0), 4)(t), 2) for t in range(6)]
        [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
        >>> [round(F.warmup(F.linear(1.0, 0.0, 2), 2, start=0.5)(t), 2) for t in range(5)]
        [0.5, 0.75, 1.0, 0.5, 0.0]
        >>> [round(F.warmup(F.constant(1.0), 4, shape="cosine")(t), 3) for t in range(5)]
        [0.0, 0.146, 0.5, 0.854, 1.0]
        >>> [round(F.warmup(F.constant(1.0), 4, start=0.25, inclusive=True)(t), 2) for t in range(5)]
        [0.25, 0.5, 0.75, 1.0, 1.0]

    Raises:
        ValueError: ``steps`` is negative, or ``shape`` is unknown.
    """
    if steps < 0:
        raise ValueError(f"warmup: steps must be >= 0, got {steps=}")
    if steps == 0:
        return schedule
    top = float(schedule(0)) if peak is None else float(peak)
    span = max(1, steps - 1) if inclusive else steps
    return join([_ramp(start, top, span, shape), schedule], [steps])
