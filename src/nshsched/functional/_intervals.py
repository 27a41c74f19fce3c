"""Absolute learning rates on intervals of steps (the RL reference's presets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._core import Schedule, Step, constant, join, ops
from ._curve import LRCurve

__all__ = ["interval_curve", "staircase_exponential"]


def staircase_exponential(init: float, rate: float, interval: int) -> Schedule:
    """``init * rate ** floor(t / interval)``: a geometric decay applied every ``interval`` steps.

    Example:
        >>> from nshsched import functional as F
        >>> [F.staircase_exponential(1.0, 0.5, 2)(t) for t in range(6)]
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    if interval < 1:
        raise ValueError(f"interval must be >= 1 step, got {interval=}")

    def schedule(t: Step) -> Any:
        o = ops(t)
        return init * o.power(rate, o.floor_div(t, interval))

    return schedule


def interval_curve(
    starts: Sequence[int], ends: Sequence[int], pieces: Sequence[Schedule]
) -> LRCurve:
    """Absolute LRs on intervals ``[starts[i], ends[i])``; ``pieces[i]`` sees the local step.

    The LRs are stated for the optimizer's default LR (``ref_offset``): a global schedule
    scales them to each group by its ratio, a group's own schedule sets them exactly.

    Before the first interval the group keeps its base LR (scale 1). In a gap between two
    intervals, and after the last one, the LR holds the previous interval's final value
    (``pieces[i](ends[i] - starts[i] - 1)``).

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.interval_curve([2, 5], [4, 7], [F.constant(0.1), F.linear(0.05, 0.01, 2)])
        >>> [round(curve.lr(t, 1.0), 3) for t in range(9)]
        [1.0, 1.0, 0.1, 0.1, 0.1, 0.05, 0.03, 0.03, 0.03]
        >>> # a group whose base LR is half the default: base 0.5, ratio 0.5
        >>> [round(curve.lr(t, 0.5, ratio=0.5), 3) for t in range(9)]
        [0.5, 0.5, 0.05, 0.05, 0.05, 0.025, 0.015, 0.015, 0.015]

    Raises:
        ValueError: An interval is empty, or the intervals overlap or are out of order.
    """
    if not (len(starts) == len(ends) == len(pieces)) or not starts:
        raise ValueError(
            "interval_curve needs one start, end and piece per interval (at least one)"
        )
    previous_end = 0
    for i, (s, e) in enumerate(zip(starts, ends)):
        if not s < e:
            raise ValueError(f"interval {i}: start must be < end, got start={s}, end={e}")
        if i and s < previous_end:
            raise ValueError(
                f"intervals {i - 1} and {i} overlap or are out of order: "
                f"interval {i - 1} ends at {previous_end}, interval {i} starts at {s}"
            )
        previous_end = e
    segments: list[Schedule] = []
    bounds: list[int] = []
    if starts[0] > 0:
        segments.append(constant(0.0))  # before the first interval: no offset (scale 1)
        bounds.append(starts[0])
    for i, (s, e, piece) in enumerate(zip(starts, ends, pieces)):
        segments += [piece, constant(float(piece(e - s - 1)))]  # the interval, then its hold
        bounds.append(e)
        if i + 1 < len(starts):
            bounds.append(starts[i + 1])
    offset = join(segments, bounds)
    scale = constant(0.0) if starts[0] == 0 else join([constant(1.0), constant(0.0)], [starts[0]])
    return LRCurve(scale, ref_offset=offset)
