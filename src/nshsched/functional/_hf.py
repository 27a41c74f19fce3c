"""The schedules of Hugging Face's ``get_scheduler``, as pure closed forms.

Every function returns a :data:`~nshsched.functional.Schedule` (``step -> multiplier``),
resolved once from whole step counts. The formulas are written out in each docstring;
``W`` is the warmup, ``T`` the total, ``t`` the step. HF's warmup ``t / max(1, W)`` is
:func:`~nshsched.functional.warmup` towards 1 (not towards the body's value at its step 0:
an HF body that starts below 1 jumps where the warmup ends, as in HF).
"""

from __future__ import annotations

import math
from typing import Any, TypeAlias

from ._core import SCALAR_OPS, RampShape, Schedule, Step, check_warmup, constant, join, ops, warmup

__all__ = [
    "RampType",
    "hf_constant_with_warmup",
    "hf_cosine",
    "hf_cosine_warmup_with_min_lr",
    "hf_cosine_with_restarts",
    "hf_inverse_sqrt",
    "hf_linear",
    "hf_polynomial",
    "hf_warmup_stable_decay",
]

RampType: TypeAlias = RampShape
"""The shapes of a warmup or decay ramp in Hugging Face's warmup-stable-decay schedule."""


def _with_hf_warmup(body: Schedule, warmup_steps: int) -> Schedule:
    """HF's warmup ``t / max(1, W)`` for ``t < W``: towards 1, then ``body(t - W)``."""
    return warmup(body, warmup_steps, peak=1.0)


def hf_constant_with_warmup(warmup_steps: int) -> Schedule:
    """HF ``constant_with_warmup``: ``t / max(1, W)`` for ``t < W``, then 1.

    Example:
        >>> from nshsched import functional as F
        >>> [F.hf_constant_with_warmup(2)(t) for t in range(4)]
        [0.0, 0.5, 1.0, 1.0]
    """
    check_warmup(warmup_steps)
    return _with_hf_warmup(constant(1.0), warmup_steps)


def hf_linear(warmup_steps: int, total: int) -> Schedule:
    """HF ``linear``: warmup, then ``max(0, (T - t) / max(1, T - W))``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\max\\big(0, (T - t) / \\max(1, T - W)\\big) & t \\ge W
        \\end{cases}

    Example:
        >>> from nshsched import functional as F
        >>> [F.hf_linear(2, 6)(t) for t in range(8)]
        [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    check_warmup(warmup_steps, total)
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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.hf_cosine(2, 6)(t), 3) for t in range(8)]
        [0.0, 0.5, 1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
        >>> [round(F.hf_cosine(2, 6, min_lr_rate=0.1)(t), 3) for t in range(8)]
        [0.0, 0.5, 1.0, 0.868, 0.55, 0.232, 0.1, 0.1]
    """
    check_warmup(warmup_steps, total)
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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.hf_cosine_with_restarts(1, 5, num_cycles=2)(t), 3) for t in range(7)]
        [0.0, 1.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    check_warmup(warmup_steps, total)
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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.hf_polynomial(2, 6, end_ratio=0.1, power=2.0)(t), 5) for t in range(8)]
        [0.0, 0.5, 1.0, 0.60625, 0.325, 0.15625, 0.1, 0.1]
    """
    check_warmup(warmup_steps, total)
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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.hf_inverse_sqrt(4)(t), 3) for t in (0, 2, 4, 5, 8, 16)]
        [0.0, 0.5, 1.0, 0.894, 0.707, 0.5]
    """
    check_warmup(warmup_steps)
    tau = timescale if timescale is not None else (warmup_steps or 10_000)
    if tau <= 0:
        raise ValueError(f"timescale must be > 0, got {timescale=}")

    def body(s: Step) -> Any:
        return 1.0 / ops(s).sqrt((s + tau) / tau)

    return _with_hf_warmup(body, warmup_steps)


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

    Example:
        >>> from nshsched import functional as F
        >>> wsd = F.hf_warmup_stable_decay(2, 2, 2, min_lr_ratio=0.1)
        >>> [round(wsd(t), 3) for t in range(8)]
        [0.1, 0.55, 1.0, 1.0, 1.0, 0.55, 0.1, 0.1]
    """
    for label, value in (("warmup", warmup_steps), ("stable", stable), ("decay", decay)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0 steps, got {value}")
    body = join(
        [
            constant(1.0),
            _wsd_decay(decay_type, decay, min_lr_ratio, num_cycles),
            constant(min_lr_ratio),
        ],
        [stable, stable + decay],
    )
    return warmup(body, warmup_steps, min_lr_ratio, peak=1.0, shape=warmup_type)


def hf_cosine_warmup_with_min_lr(
    warmup_steps: int,
    total: int,
    num_cycles: float = 0.5,
    min_lr_rate: float = 0.0,
    warmup_lr_rate: float | None = None,
) -> Schedule:
    """HF ``cosine_warmup_with_min_lr``: a warmup that is never at 0, then a cosine to ``r``
    that reaches it one step before ``T``.

    .. math::
        α(t) = \\begin{cases}
            (t + 1) / \\max(1, W) & t < W,\\ a \\text{ unset} \\\\
            a + (1 - a)\\, t / \\max(1, W - 1) & t < W \\\\
            \\max\\big(0, r + (1 - r)\\, \\tfrac12 (1 + \\cos(2 \\pi c p))\\big) & t \\ge W
        \\end{cases}
        \\qquad p = \\min\\Big(1, \\frac{t - W + 1}{\\max(1, T - W)}\\Big)

    with :math:`W` = ``warmup_steps``, :math:`T` = ``total``, :math:`c` = ``num_cycles``,
    :math:`r` = ``min_lr_rate`` and :math:`a` = ``warmup_lr_rate``. The progress is held at
    1 from :math:`t = T - 1` on (HF lets it run on).

    Example:
        >>> from nshsched import functional as F
        >>> schedule = F.hf_cosine_warmup_with_min_lr(4, 10, min_lr_rate=0.2)
        >>> [round(schedule(t), 3) for t in range(12)]
        [0.25, 0.5, 0.75, 1.0, 0.946, 0.8, 0.6, 0.4, 0.254, 0.2, 0.2, 0.2]
    """
    check_warmup(warmup_steps, total)
    span = float(max(1, total - warmup_steps))
    omega = 2.0 * math.pi * num_cycles
    rate = min_lr_rate

    def body(s: Step) -> Any:
        o = ops(s)
        progress = o.minimum((s + 1.0) / span, 1.0)
        factor = 0.5 * (1.0 + o.cos(omega * progress)) * (1.0 - rate) + rate
        return o.maximum(factor, 0.0)

    start = 1.0 / max(1, warmup_steps) if warmup_lr_rate is None else warmup_lr_rate
    return warmup(body, warmup_steps, start, peak=1.0, inclusive=True)
