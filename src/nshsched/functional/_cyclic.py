"""The curves of torch's cyclic LR schedulers, ``OneCycleLR`` and ``CyclicLR``: absolute
learning rates (the optimizer's own LR plays no part) and, optionally, a momentum cycled
against them, as pure closed forms of the scheduler step ``t`` (torch's ``last_epoch``).
Like everything in :mod:`nshsched.functional`, they answer a Python ``int`` with ``math``
and a numpy integer array element-wise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from ._core import SCALAR_OPS, Schedule, Step, constant, ops
from ._curve import LRCurve

__all__ = ["cyclic_lr_curve", "one_cycle_lr_curve"]


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
