"""The curves of torch's built-in LR schedulers, as pure closed forms of the scheduler step.

Each function resolves its parameters once and returns a schedule (``step -> multiplier``) or
an :class:`LRCurve` (when torch mixes absolute learning rates in). The step ``t`` is torch's
``last_epoch``: the number of ``scheduler.step()`` calls. Like everything in
:mod:`nshsched.functional`, they answer a Python ``int`` with ``math`` and a numpy integer
array element-wise (the cyclic ones, ``OneCycleLR`` and ``CyclicLR``, are in
:mod:`._cyclic`). Formulas follow torch 2.13's closed forms; where torch updates
recursively, the closed form is the value its recursion approximates.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Any

from ._core import SCALAR_OPS, Schedule, Step, ops
from ._curve import LRCurve

__all__ = [
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "eta_min_curve",
    "exponential_lr",
    "linear_lr",
    "multi_step_lr",
    "polynomial_lr",
    "step_lr",
]


def step_lr(step_size: int, gamma: float) -> Schedule:
    """torch ``StepLR``: :math:`α(t) = γ^{\\lfloor t / s \\rfloor}`.

    Example:
        >>> from nshsched import functional as F
        >>> [F.step_lr(2, 0.5)(t) for t in range(5)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if step_size < 1:
        raise ValueError(f"step_lr: step_size must be >= 1, got {step_size=}")

    def schedule(t: Step) -> Any:
        o = ops(t)
        return o.power(gamma, o.floor_div(t, step_size))

    return schedule


def multi_step_lr(milestones: Sequence[int], gamma: float) -> Schedule:
    """torch ``MultiStepLR``: :math:`α(t) = γ^{\\#\\{m_i \\le t\\}}` (milestones increasing).

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.multi_step_lr([2, 4], 0.1)(t), 3) for t in range(6)]
        [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """
    marks = [int(m) for m in milestones]
    if any(b <= a for a, b in itertools.pairwise(marks)):
        raise ValueError(f"multi_step_lr: milestones must be increasing, got {marks}")

    def schedule(t: Step) -> Any:
        o = ops(t)
        if o is SCALAR_OPS:
            return gamma ** bisect.bisect_right(marks, t)
        n = o.np.searchsorted(o.np.asarray(marks, dtype=o.np.int64), t, side="right")
        return o.power(gamma, n)

    return schedule


def exponential_lr(gamma: float) -> Schedule:
    """torch ``ExponentialLR``: :math:`α(t) = γ^t`.

    Example:
        >>> from nshsched import functional as F
        >>> [F.exponential_lr(0.5)(t) for t in range(4)]
        [1.0, 0.5, 0.25, 0.125]
    """

    def schedule(t: Step) -> Any:
        return ops(t).power(gamma, t)

    return schedule


def cosine_annealing_lr(T_max: int) -> Schedule:
    """torch ``CosineAnnealingLR``'s cosine factor, not clamped:
    :math:`c(t) = (1 + \\cos(\\pi t / T_{max})) / 2`.

    Past ``T_max`` it keeps oscillating (period ``2 T_max``), as torch's does. Combine with
    ``eta_min`` through :func:`eta_min_curve`.

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.cosine_annealing_lr(4)(t), 3) for t in range(9)]
        [1.0, 0.854, 0.5, 0.146, 0.0, 0.146, 0.5, 0.854, 1.0]
    """
    if T_max < 1:
        raise ValueError(f"cosine_annealing_lr: T_max must be >= 1, got {T_max=}")

    def schedule(t: Step) -> Any:
        return (1 + ops(t).cos(math.pi * t / T_max)) / 2

    return schedule


def _restart_position(t: int, T_0: int, T_mult: int) -> tuple[int, int]:
    """``(T_cur, T_i)`` at step ``t``: exact integer cycle boundaries, no logarithm."""
    if T_mult == 1:
        return t % T_0, T_0
    start, length = 0, T_0
    while t >= start + length:
        start += length
        length *= T_mult
    return t - start, length


def cosine_annealing_warm_restarts(T_0: int, T_mult: int = 1) -> Schedule:
    """torch ``CosineAnnealingWarmRestarts``' cosine factor:
    :math:`c(t) = (1 + \\cos(\\pi T_{cur} / T_i)) / 2`.

    Cycle ``i`` lasts :math:`T_i = T_0 T_{mult}^i` steps; :math:`T_{cur}` counts the steps
    since the last restart. Cycle boundaries are computed with integers (no floating
    logarithm), so they are exact at any step.

    Example:
        >>> from nshsched import functional as F
        >>> [round(F.cosine_annealing_warm_restarts(2, 2)(t), 3) for t in range(7)]
        [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0]
    """
    if T_0 < 1:
        raise ValueError(f"cosine_annealing_warm_restarts: T_0 must be >= 1, got {T_0=}")
    if T_mult < 1:
        raise ValueError(f"cosine_annealing_warm_restarts: T_mult must be >= 1, got {T_mult=}")

    def schedule(t: Step) -> Any:
        o = ops(t)
        if o is SCALAR_OPS:
            cur, length = _restart_position(t, T_0, T_mult)
            return (1 + math.cos(math.pi * cur / length)) / 2
        np = o.np
        t = np.asarray(t, dtype=np.int64)
        if T_mult == 1:
            cur, lengths = t % T_0, np.full(t.shape, T_0, dtype=np.int64)
        else:
            # exact integer cycle starts (Python ints) up to the largest step, then a lookup
            starts, sizes = [0], [T_0]
            top = int(t.max()) if t.size else 0
            while starts[-1] + sizes[-1] <= top:
                starts.append(starts[-1] + sizes[-1])
                sizes.append(sizes[-1] * T_mult)
            idx = np.searchsorted(np.asarray(starts, dtype=np.int64), t, side="right") - 1
            cur = t - np.asarray(starts, dtype=np.int64)[idx]
            lengths = np.asarray(sizes, dtype=np.int64)[idx]
        return (1 + np.cos(math.pi * cur / lengths)) / 2

    return schedule


def eta_min_curve(factor: Schedule, eta_min: float) -> LRCurve:
    """``lr = eta_min + (base - eta_min) * factor(t)`` as an affine curve:
    ``scale = factor``, ``offset = eta_min * (1 - factor)``.

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.eta_min_curve(F.cosine_annealing_lr(4), 0.01)
        >>> [round(curve.lr(t, 0.1), 4) for t in range(5)]
        [0.1, 0.0868, 0.055, 0.0232, 0.01]
    """
    if eta_min == 0:
        return LRCurve(factor)

    def offset(t: Step) -> Any:
        return eta_min * (1 - factor(t))

    return LRCurve(factor, offset)


def polynomial_lr(total_iters: int, power: float) -> Schedule:
    """torch ``PolynomialLR``: :math:`α(t) = (1 - \\min(t, T) / T)^p`.

    Example:
        >>> from nshsched import functional as F
        >>> [F.polynomial_lr(4, 2.0)(t) for t in range(6)]
        [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """
    if total_iters < 1:
        raise ValueError(f"polynomial_lr: total_iters must be >= 1, got {total_iters=}")

    def schedule(t: Step) -> Any:
        o = ops(t)
        return o.power(1.0 - o.minimum(t, total_iters) / total_iters, power)

    return schedule


def linear_lr(start_factor: float, end_factor: float, total_iters: int) -> Schedule:
    """torch ``LinearLR``: :math:`α(t) = s + (e - s) \\min(t, T) / T`.

    Example:
        >>> from nshsched import functional as F
        >>> [F.linear_lr(0.25, 1.0, 3)(t) for t in range(5)]
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """
    if total_iters < 1:
        raise ValueError(f"linear_lr: total_iters must be >= 1, got {total_iters=}")

    def schedule(t: Step) -> Any:
        # s (T - m) / T + e m / T: a weighted mean of two non-negative factors, so it is
        # never negative (s + (e - s) m / T can give -1e-16 where it should give 0)
        m = ops(t).minimum(t, total_iters)
        return start_factor * (total_iters - m) / total_iters + end_factor * m / total_iters

    return schedule


def constant_lr(factor: float, total_iters: int) -> Schedule:
    """torch ``ConstantLR``: :math:`α(t) = f` for :math:`t < T`, then 1.

    Example:
        >>> from nshsched import functional as F
        >>> [F.constant_lr(0.5, 2)(t) for t in range(4)]
        [0.5, 0.5, 1.0, 1.0]
    """
    if total_iters < 1:
        raise ValueError(f"constant_lr: total_iters must be >= 1, got {total_iters=}")

    def schedule(t: Step) -> Any:
        return ops(t).where(t < total_iters, factor, 1.0)

    return schedule
