"""Warmup-style schedules (the Hugging Face set, warmup + cosine) and interval schedules.

Every function returns a :data:`Schedule` (``step -> multiplier``) or an :class:`LRCurve`,
resolved once from whole step counts; the returned closures use ``math`` on a Python ``int``
and numpy on arrays (see :func:`nshsched.functional.ops`). The formulas are written out in
each docstring; ``W`` is the warmup, ``T`` the total, ``t`` the step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

from ._core import SCALAR_OPS, LRCurve, Schedule, Step, constant, cosine, join, linear, ops, warmup

__all__ = [
    "RampType",
    "hf_constant_with_warmup",
    "hf_cosine",
    "hf_cosine_with_restarts",
    "hf_inverse_sqrt",
    "hf_linear",
    "hf_polynomial",
    "hf_warmup_stable_decay",
    "interval_curve",
    "staircase_exponential",
    "warmup_cosine",
    "warmup_cosine_curve",
]

RampType: TypeAlias = Literal["linear", "cosine", "1-sqrt"]
"""The shapes of a warmup or decay ramp in Hugging Face's warmup-stable-decay schedule."""


def _check(warmup_steps: int, total: int | None = None) -> None:
    if warmup_steps < 0:
        raise ValueError(f"warmup must be >= 0 steps, got {warmup_steps=}")
    if total is not None and total < warmup_steps:
        raise ValueError(f"warmup must be <= total, got {warmup_steps=} > {total=}")


def _hf_ramp(warmup_steps: int) -> Schedule:
    """HF's warmup: ``t / max(1, W)`` (only evaluated on ``t < W``)."""
    denominator = max(1, warmup_steps)
    return lambda t: t / denominator


def _with_hf_warmup(body: Schedule, warmup_steps: int) -> Schedule:
    """``t / max(1, W)`` for ``t < W``, then ``body(t - W)``."""
    if warmup_steps == 0:
        return body
    return join([_hf_ramp(warmup_steps), body], [warmup_steps])


def hf_constant_with_warmup(warmup_steps: int) -> Schedule:
    """HF ``constant_with_warmup``: ``t / max(1, W)`` for ``t < W``, then 1."""
    _check(warmup_steps)
    return _with_hf_warmup(constant(1.0), warmup_steps)


def hf_linear(warmup_steps: int, total: int) -> Schedule:
    """HF ``linear``: warmup, then ``max(0, (T - t) / max(1, T - W))``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\max\\big(0, (T - t) / \\max(1, T - W)\\big) & t \\ge W
        \\end{cases}
    """
    _check(warmup_steps, total)
    span = total - warmup_steps
    denominator = max(1, span)

    def body(s: Step) -> Any:
        if type(s) is int:  # scalar fast path: max(0.0, x) without the dispatch
            x = (span - s) / denominator
            return x if x > 0.0 else 0.0
        return ops(s).maximum(0.0, (span - s) / denominator)

    return _with_hf_warmup(body, warmup_steps)


def hf_cosine(
    warmup_steps: int, total: int, num_cycles: float = 0.5, min_lr_rate: float = 0.0
) -> Schedule:
    """HF ``cosine`` (``min_lr_rate = 0``) and ``cosine_with_min_lr``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\max\\big(0, r + (1 - r)\\,\\tfrac12 (1 + \\cos(2 \\pi c p))\\big) & t \\ge W
        \\end{cases}
        \\qquad p = \\frac{\\min(t, T) - W}{\\max(1, T - W)}

    with :math:`c` = ``num_cycles`` and :math:`r` = ``min_lr_rate``. The progress is held
    at 1 after ``T`` (HF lets it run on, so the LR rises again after ``T``).
    """
    _check(warmup_steps, total)
    span = total - warmup_steps
    omega = 2.0 * math.pi * num_cycles / max(1, span)
    rate = min_lr_rate

    def body(s: Step) -> Any:
        if type(s) is int:  # scalar fast path: the same operations with math
            x = 0.5 * (1.0 + math.cos(omega * (s if s < span else span))) * (1.0 - rate) + rate
            return x if x > 0.0 else 0.0
        o = ops(s)
        if o is SCALAR_OPS or not isinstance(s, o.np.ndarray):  # a number or a numpy scalar
            factor = 0.5 * (1.0 + o.cos(omega * o.minimum(s, span)))
            return o.maximum(0.0, factor * (1.0 - rate) + rate)
        # numpy: the same operations, in place (one temporary array, no copies)
        np = o.np
        x = np.minimum(s, span, out=np.empty(np.shape(s)))  # straight into a float array
        x *= omega
        np.cos(x, out=x)
        x += 1.0
        x *= 0.5
        if rate != 0.0:  # x * 1.0 + 0.0 == x
            x *= 1.0 - rate
            x += rate
        return np.maximum(x, 0.0, out=x)

    return _with_hf_warmup(body, warmup_steps)


def hf_cosine_with_restarts(warmup_steps: int, total: int, num_cycles: int = 1) -> Schedule:
    """HF ``cosine_with_restarts``: ``num_cycles`` hard restarts, 0 from ``T`` on.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\tfrac12 \\big(1 + \\cos(\\pi\\, (c p \\bmod 1))\\big) & W \\le t,\\ p < 1 \\\\
            0 & p \\ge 1
        \\end{cases}
        \\qquad p = \\frac{t - W}{\\max(1, T - W)}
    """
    _check(warmup_steps, total)
    denominator = max(1, total - warmup_steps)
    cycles = float(num_cycles)

    def body(s: Step) -> Any:
        o = ops(s)
        progress = s / denominator
        value = 0.5 * (1.0 + o.cos(math.pi * ((cycles * progress) % 1.0)))
        return o.where(progress >= 1.0, 0.0, o.maximum(0.0, value))

    return _with_hf_warmup(body, warmup_steps)


def hf_polynomial(warmup_steps: int, total: int, end_ratio: float, power: float = 1.0) -> Schedule:
    """HF ``polynomial``, with ``end_ratio = lr_end / lr_init``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            e + (1 - e) \\big(1 - \\tfrac{t - W}{T - W}\\big)^{p} & W \\le t \\le T \\\\
            e & t > T
        \\end{cases}

    with :math:`e` = ``end_ratio`` and :math:`p` = ``power``. When ``W == T`` the decay is
    empty and the value from ``W`` on is :math:`e` (HF divides by zero there).
    """
    _check(warmup_steps, total)
    span = total - warmup_steps
    end = end_ratio
    if span == 0:
        return _with_hf_warmup(constant(end), warmup_steps)

    def body(s: Step) -> Any:
        if type(s) is int:  # scalar fast path
            return (1.0 - end) * (1.0 - (s if s < span else span) / span) ** power + end
        o = ops(s)
        remaining = 1.0 - o.minimum(s, span) / span
        return (1.0 - end) * o.power(remaining, power) + end

    return _with_hf_warmup(body, warmup_steps)


def hf_inverse_sqrt(warmup_steps: int, timescale: int | None = None) -> Schedule:
    """HF ``inverse_sqrt``: warmup, then ``1 / sqrt((t - W + τ) / τ)``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\big((t - W + τ) / τ\\big)^{-1/2} & t \\ge W
        \\end{cases}

    with :math:`τ` = ``timescale``, by default ``W`` or 10 000 when ``W = 0`` (as HF).
    """
    _check(warmup_steps)
    tau = timescale if timescale is not None else (warmup_steps or 10_000)
    if tau <= 0:
        raise ValueError(f"timescale must be > 0, got {timescale=}")

    def body(s: Step) -> Any:
        return 1.0 / ops(s).sqrt((s + tau) / tau)

    return _with_hf_warmup(body, warmup_steps)


def _wsd_warmup(kind: RampType, steps: int, floor: float) -> Schedule:
    denominator = max(1, steps)

    def ramp(t: Step) -> Any:
        o = ops(t)
        p = t / denominator
        if kind == "linear":
            f = p
        elif kind == "cosine":
            f = 0.5 * (1.0 - o.cos(math.pi * p))
        else:
            f = 1.0 - o.sqrt(1.0 - p)
        return o.maximum(0.0, f * (1.0 - floor) + floor)

    return ramp


def _wsd_decay(kind: RampType, steps: int, floor: float, num_cycles: float) -> Schedule:
    denominator = max(1, steps)

    def ramp(t: Step) -> Any:
        o = ops(t)
        p = t / denominator
        if kind == "linear":
            f = 1.0 - p
        elif kind == "cosine":
            f = 0.5 * (1.0 + o.cos(2.0 * math.pi * num_cycles * p))
        else:
            f = 1.0 - o.sqrt(p)
        return o.maximum(0.0, f * (1.0 - floor) + floor)

    return ramp


def hf_warmup_stable_decay(
    warmup_steps: int,
    stable: int,
    decay: int,
    warmup_type: RampType = "linear",
    decay_type: RampType = "cosine",
    min_lr_ratio: float = 0.0,
    num_cycles: float = 0.5,
) -> Schedule:
    """HF ``warmup_stable_decay``: warmup from ``m`` to 1, hold 1, decay to ``m``, then ``m``.

    .. math::
        α(t) = \\begin{cases}
            m + (1 - m)\\, w\\big(t / \\max(1, W)\\big) & t < W \\\\
            1 & W \\le t < W + S \\\\
            m + (1 - m)\\, d\\big((t - W - S) / \\max(1, D)\\big) & W + S \\le t < W + S + D \\\\
            m & t \\ge W + S + D
        \\end{cases}

    with :math:`m` = ``min_lr_ratio``; :math:`w(p)` is :math:`p`,
    :math:`\\tfrac12(1 - \\cos \\pi p)` or :math:`1 - \\sqrt{1 - p}` (``warmup_type``
    linear, cosine, 1-sqrt) and :math:`d(p)` is :math:`1 - p`,
    :math:`\\tfrac12(1 + \\cos 2\\pi c p)` or :math:`1 - \\sqrt{p}` (``decay_type``).
    """
    for label, value in (("warmup", warmup_steps), ("stable", stable), ("decay", decay)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0 steps, got {value}")
    return join(
        [
            _wsd_warmup(warmup_type, warmup_steps, min_lr_ratio),
            constant(1.0),
            _wsd_decay(decay_type, decay, min_lr_ratio, num_cycles),
            constant(min_lr_ratio),
        ],
        [warmup_steps, warmup_steps + stable, warmup_steps + stable + decay],
    )


# ---------------------------------------------------------------------- warmup + cosine


def _periodic_cosine(start: float, end: float, steps: int) -> Schedule:
    """``end + (start - end) (1 + cos(π t / T)) / 2`` without a clamp: period ``2T``."""
    half = (start - end) / 2.0
    scale = math.pi / steps

    def schedule(t: Step) -> Any:
        if type(t) is int:
            return end + half * (1.0 + math.cos(scale * t))
        return end + half * (1.0 + ops(t).cos(scale * t))

    return schedule


def warmup_cosine(
    warmup_steps: int,
    total: int,
    start: float = 0.0,
    end: float = 0.0,
    periodic: bool = False,
) -> Schedule:
    """Linear warmup from ``start`` to 1 over ``W`` steps, then a cosine from 1 at ``W`` to
    ``end`` at ``T`` (counted from step 0), then ``end`` (or, ``periodic``, the cosine keeps
    going: back up to 1 at ``2T - W``, and so on).

    .. math::
        α(t) = \\begin{cases}
            a + (1 - a)\\, t / W & t < W \\\\
            e + (1 - e)\\, \\tfrac12 \\big(1 + \\cos(\\pi \\tfrac{\\min(t, T) - W}{T - W})\\big) & t \\ge W
        \\end{cases}

    with :math:`a` = ``start`` and :math:`e` = ``end`` (no ``min`` when ``periodic``).
    :math:`α(W) = 1` exactly, reached once.
    """
    _check(warmup_steps, total)
    if total <= warmup_steps:
        raise ValueError(f"warmup must be < total, got {warmup_steps=} >= {total=}")
    span = total - warmup_steps
    body = _periodic_cosine(1.0, end, span) if periodic else cosine(1.0, end, span)
    return warmup(body, warmup_steps, start=start)


def warmup_cosine_curve(
    warmup_steps: int, total: int, warmup_start_lr: float = 0.0, eta_min: float = 0.0
) -> LRCurve:
    """:func:`warmup_cosine` with absolute LRs: from ``warmup_start_lr`` up to the base LR
    ``b`` at ``W``, a cosine down to ``eta_min`` at ``T``, then ``eta_min``.

    .. math::
        \\mathrm{lr}(t) = \\begin{cases}
            a + (b - a)\\, t / W & t < W \\\\
            η + (b - η)\\, \\tfrac12 \\big(1 + \\cos(\\pi \\tfrac{\\min(t, T) - W}{T - W})\\big) & t \\ge W
        \\end{cases}

    (``scale`` carries the :math:`b` terms, ``offset`` the absolute ones.)
    """
    _check(warmup_steps, total)
    if total <= warmup_steps:
        raise ValueError(f"warmup must be < total, got {warmup_steps=} >= {total=}")
    span = total - warmup_steps
    scale = warmup(cosine(1.0, 0.0, span), warmup_steps)
    if eta_min == 0.0 and (warmup_steps == 0 or warmup_start_lr == 0.0):
        return LRCurve(scale)  # the offset is 0 everywhere (and the scheduler's fast path applies)
    offset = cosine(0.0, eta_min, span)
    if warmup_steps > 0:
        offset = join([linear(warmup_start_lr, 0.0, warmup_steps), offset], [warmup_steps])
    return LRCurve(scale, offset)


# ---------------------------------------------------------------------- intervals


def staircase_exponential(init: float, rate: float, interval: int) -> Schedule:
    """``init * rate ** floor(t / interval)``: a geometric decay applied every ``interval`` steps."""
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
