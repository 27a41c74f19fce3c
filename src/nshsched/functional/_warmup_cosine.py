"""Linear warmup then a cosine: nshtrainer's, ReGNN's and DynVision's schedules."""

from __future__ import annotations

import math
from typing import Any

from ._core import Schedule, Step, check_warmup, cosine, ops, warmup
from ._curve import LRCurve

__all__ = ["warmup_cosine", "warmup_cosine_curve"]


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

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.warmup_cosine(2, 6, end=0.1)(t), 3) for t in range(8)]
        [0.0, 0.5, 1.0, 0.868, 0.55, 0.232, 0.1, 0.1]
        >>> [round(F.warmup_cosine(2, 6, end=0.1, periodic=True)(t), 3) for t in range(8, 12)]
        [0.55, 0.868, 1.0, 0.868]
    """
    check_warmup(warmup_steps, total)
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

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.warmup_cosine_curve(2, 6, warmup_start_lr=0.01, eta_min=0.001)
        >>> [round(curve.lr(t, 0.1), 4) for t in range(8)]
        [0.01, 0.055, 0.1, 0.0855, 0.0505, 0.0155, 0.001, 0.001]
    """
    check_warmup(warmup_steps, total)
    if total <= warmup_steps:
        raise ValueError(f"warmup must be < total, got {warmup_steps=} >= {total=}")
    span = total - warmup_steps
    scale = warmup(cosine(1.0, 0.0, span), warmup_steps)
    if eta_min == 0.0 and (warmup_steps == 0 or warmup_start_lr == 0.0):
        return LRCurve(scale)  # the offset is 0 everywhere (and the scheduler's fast path applies)
    offset = warmup(cosine(0.0, eta_min, span), warmup_steps, warmup_start_lr)
    return LRCurve(scale, offset)
