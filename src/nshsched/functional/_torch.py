"""The curves of torch's built-in LR schedulers, as pure closed forms of the scheduler step.

Each function resolves its parameters once and returns a schedule (``step -> multiplier``) or
an :class:`LRCurve` (when torch mixes absolute learning rates in). The step ``t`` is torch's
``last_epoch``: the number of ``scheduler.step()`` calls. Like everything in
:mod:`nshsched.functional`, they answer a Python ``int`` with ``math`` and a numpy integer
array element-wise. Formulas follow torch 2.13's closed forms; where torch updates
recursively, the closed form is the value its recursion approximates.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Any, Literal

from ._core import SCALAR_OPS, Schedule, Step, constant, ops
from ._curve import LRCurve

__all__ = [
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr_curve",
    "eta_min_curve",
    "exponential_lr",
    "linear_lr",
    "multi_step_lr",
    "one_cycle_lr_curve",
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


def _anneal(strategy: str, start: float, end: float, pct: Any) -> Any:
    if strategy == "cos":
        return end + (start - end) / 2.0 * (ops(pct).cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_lr_curve(
    max_lr: float,
    total_steps: int,
    *,
    pct_start: float = 0.3,
    anneal_strategy: Literal["cos", "linear"] = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    momentum: tuple[float, float] | None = None,
) -> LRCurve:
    """torch ``OneCycleLR`` as absolute LRs (the optimizer's own LR plays no part).

    From ``initial = max_lr / div_factor`` up to ``max_lr`` until step
    ``pct_start * total_steps - 1``, then down to ``initial / final_div_factor`` at step
    ``total_steps - 1`` (``three_phase``: back to ``initial`` at ``2 pct_start total_steps - 2``
    first). Each phase is annealed with ``anneal_strategy``. From step ``total_steps - 1`` on
    the LR stays at its final value: torch extrapolates the last phase at step
    ``total_steps`` (below the final LR, negative with ``linear``) and raises after it.
    ``momentum = (base, max)`` cycles the momentum inversely.

    Phases are chosen as torch chooses them: step ``t`` is in the first phase whose end is
    at or after ``t`` (else the last), and moves from the previous phase's end to its own.
    A phase that ends before step 0 (``pct_start * total_steps < 1``: a rise shorter than a
    step) is never used, as in torch: the schedule starts part-way down the next one.

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.one_cycle_lr_curve(1.0, 10, momentum=(0.85, 0.95))
        >>> [round(curve.lr(t, 0.0), 4) for t in range(11)]  # no base LR: absolute
        [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0, 0.0]
        >>> [round(curve.momentum.lr(t, 0.9), 3) for t in range(11)]
        [0.95, 0.9, 0.85, 0.855, 0.869, 0.889, 0.911, 0.931, 0.945, 0.95, 0.95]
        >>> [round(F.one_cycle_lr_curve(1.0, 3, pct_start=0.3).lr(t, 0.0), 4) for t in range(3)]
        [0.9944, 0.4626, 0.0]

    Raises:
        ValueError: A phase that some step ``0 .. total_steps - 1`` falls in has no length
            (``pct_start * total_steps == 1``: torch divides by zero at step 0).
    """
    initial = max_lr / div_factor
    final = initial / final_div_factor
    end1 = float(pct_start * total_steps) - 1
    if three_phase:
        ends = [end1, float(2 * pct_start * total_steps) - 2, total_steps - 1]
        lrs = [(initial, max_lr), (max_lr, initial), (initial, final)]
    else:
        ends = [end1, total_steps - 1]
        lrs = [(initial, max_lr), (max_lr, final)]
    starts = [0.0, *ends[:-1]]
    used = _one_cycle_phases_used(ends, total_steps)
    for i in used:
        if ends[i] == starts[i]:
            raise ValueError(
                f"one_cycle_lr: phase {i + 1} runs from step {starts[i]:g} to step "
                f"{ends[i]:g}, no length ({pct_start=}, {total_steps=}, {three_phase=}: "
                "torch divides by zero there); change pct_start or total_steps"
            )
    moms: list[tuple[float, float]] = []
    if momentum is not None:
        lo, hi = momentum
        moms = [(hi, lo), (lo, hi), (hi, hi)] if three_phase else [(hi, lo), (lo, hi)]

    def piecewise(values: list[tuple[float, float]]) -> Schedule:
        def schedule(t: Step) -> Any:
            o = ops(t)
            t = o.minimum(t, total_steps - 1)
            if o is SCALAR_OPS:
                i = next((i for i, e in enumerate(ends) if t <= e), len(ends) - 1)
                pct = (t - starts[i]) / (ends[i] - starts[i])
                return _anneal(anneal_strategy, *values[i], pct)
            # the phases no step uses are left out: they never come first, and some have
            # no length to divide by
            last = used[-1]
            out = _anneal(
                anneal_strategy, *values[last], (t - starts[last]) / (ends[last] - starts[last])
            )
            for i in reversed(used[:-1]):
                pct = (t - starts[i]) / (ends[i] - starts[i])
                out = o.where(t <= ends[i], _anneal(anneal_strategy, *values[i], pct), out)
            return out

        return schedule

    momentum_curve = LRCurve(constant(0.0), piecewise(moms)) if moms else None
    return LRCurve(constant(0.0), piecewise(lrs), momentum_curve)


def _one_cycle_phases_used(ends: Sequence[float], total_steps: int) -> list[int]:
    """The phases some step ``0 .. total_steps - 1`` falls in: step ``t`` is in the first
    phase ``i`` with ``t <= ends[i]`` (the last phase if none), as torch picks them."""
    used = []
    for i, end in enumerate(ends):
        lo = 0 if i == 0 else max(0, math.floor(max(ends[:i])) + 1)
        hi = total_steps - 1 if i == len(ends) - 1 else min(total_steps - 1, math.floor(end))
        if lo <= hi:
            used.append(i)
    return used


def cyclic_lr_curve(
    base_lr: float,
    max_lr: float,
    step_size_up: int,
    step_size_down: int | None = None,
    *,
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
    gamma: float = 1.0,
    momentum: tuple[float, float] | None = None,
) -> LRCurve:
    """torch ``CyclicLR`` as absolute LRs between ``base_lr`` and ``max_lr``.

    .. math::
        c = 1 + \\lfloor t / (u + d) \\rfloor, \\quad
        x = 1 + t / (u + d) - c, \\quad
        h = \\begin{cases} x / r & x \\le r \\\\ (x - 1) / (r - 1) & x > r \\end{cases}

        lr(t) = b + (M - b)\\, h\\, g

    where :math:`u, d` are ``step_size_up/down``, :math:`r = u / (u + d)`, and :math:`g` is
    1 (``triangular``), :math:`2^{1-c}` (``triangular2``) or :math:`γ^t` (``exp_range``).
    ``momentum = (base, max)`` gives :math:`m(t) = m_{max} - (m_{max} - m_{base}) h g`.

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.cyclic_lr_curve(0.1, 1.0, 2)
        >>> [round(curve.lr(t, 0.0), 3) for t in range(9)]
        [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 1.0, 0.55, 0.1]
        >>> curve = F.cyclic_lr_curve(0.1, 1.0, 2, mode="triangular2")
        >>> [round(curve.lr(t, 0.0), 3) for t in range(9)]
        [0.1, 0.55, 1.0, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1]
    """
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total = up + down
    if up <= 0:
        raise ValueError(f"cyclic_lr: step_size_up must be >= 1, got {step_size_up=}")
    ratio = up / total

    def height(t: Step) -> Any:
        o = ops(t)
        cycle = o.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        # ratio == 1 (no falling half): x never exceeds it; avoid evaluating 0 / 0
        h = x / ratio if ratio == 1.0 else o.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        if mode == "triangular":
            return h
        if mode == "triangular2":
            return h * o.power(0.5, cycle - 1)  # = 1 / 2 ** (cycle - 1), exact; underflows to 0
        return h * o.power(gamma, t)

    def lr(t: Step) -> Any:
        return base_lr + (max_lr - base_lr) * height(t)

    mom = None
    if momentum is not None:
        lo, hi = momentum

        def mom(t: Step) -> Any:
            return hi - (hi - lo) * height(t)

    return LRCurve(constant(0.0), lr, None if mom is None else LRCurve(constant(0.0), mom))
