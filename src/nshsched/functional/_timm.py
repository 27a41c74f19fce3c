"""The curves of timm's LR schedulers (``timm.scheduler``), as pure closed forms.

timm computes absolute learning rates: ``lr_min`` and ``warmup_lr_init`` are the same for
every param group, while the peak is each group's base LR. Each function here returns an
:class:`LRCurve` (``lr = base * scale(t) + offset(t)``) over timm's ``t``: the epoch when
timm's ``t_in_epochs`` is true, the optimizer update otherwise. Formulas follow timm 1.0
(``CosineLRScheduler``, ``TanhLRScheduler``, ``PolyLRScheduler``, ``StepLRScheduler``,
``MultiStepLRScheduler``), without their noise.

Cycles (cosine, tanh, poly): with :math:`T` = ``t_initial`` and :math:`m` = ``cycle_mul``,
cycle :math:`i` of a local step :math:`u` is :math:`\\lfloor u / T \\rfloor` (:math:`m = 1`)
or :math:`\\lfloor \\log_m(1 - u (1 - m) / T) \\rfloor`; it lasts :math:`T_i = m^i T` and
:math:`u_i` counts the steps since it began. In cycle :math:`i < ` ``cycle_limit`` the LR
runs from :math:`γ^i η_0` (:math:`γ` = ``cycle_decay``) down towards ``lr_min`` along the
shape :math:`c`; from cycle ``cycle_limit`` on it is ``lr_min``.

Warmup: for :math:`t < W` (``warmup_t``) the LR moves in a straight line from
``warmup_lr_init`` at :math:`t = 0` towards a target it would reach at :math:`t = W`: the
base LR, except for tanh without ``warmup_prefix``, whose target is its own curve's value at
:math:`W`. With ``warmup_prefix`` the schedule then starts at its step 0 at :math:`t = W`;
without, it runs on :math:`t` itself (so it may jump where the warmup ends, as in timm).
Without a warmup, the LR at :math:`t = 0` (before timm's first step) is the base LR, whatever
the curve gives there (tanh starts slightly below it; a multistep milestone at 0 or 1, or a
``cycle_limit`` of 0, would already apply).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ._core import SCALAR_OPS, Step, constant, join, ops, shift, warmup
from ._curve import LRCurve

__all__ = [
    "TimmShape",
    "timm_cycle_curve",
    "timm_cycle_index",
    "timm_multistep_curve",
    "timm_step_curve",
]

TimmShape = Literal["cosine", "tanh", "poly"]


def _log_floor(x: Any, base: float) -> Any:
    """``floor(math.log(x, base))`` element-wise with :func:`math.log` (as timm computes it, so
    a cycle boundary falls on exactly the same step); ``-1`` where ``x <= 0``."""
    if isinstance(x, float | int):
        return math.floor(math.log(x, base)) if x > 0 else -1
    import numpy as np

    flat = [math.floor(math.log(v, base)) if v > 0 else -1 for v in np.ravel(x).tolist()]
    return np.asarray(flat, dtype=np.int64).reshape(np.shape(x))


def _fraction(o: Any, cur: Any, length: Any) -> Any:
    """``u_i / T_i`` clipped to ``[0, 1]``; 1 where a cycle's length underflowed to 0 (a
    tiny ``cycle_mul``), so no division by zero and no overflow of ``u_i ** k``."""
    if o is SCALAR_OPS:
        if not length > 0:
            return 1.0
        r = cur / length
        return 0.0 if r < 0 else 1.0 if r > 1 else r
    np = o.np
    length = np.asarray(length, dtype=float)
    positive = length > 0
    r = np.where(positive, cur / np.where(positive, length, 1.0), 1.0)
    return np.clip(r, 0.0, 1.0)


def _shape_fn(
    shape: TimmShape, *, k_decay: float, lb: float, ub: float, power: float
) -> Callable[[Any, Any], Any]:
    """``(ops, r) -> c`` with ``r = u_i / T_i``: the fraction of the way from ``lr_min`` to
    the cycle's peak (timm's ``u_i^k / T_i^k`` is ``r^k``)."""
    if shape == "cosine":

        def cosine(o: Any, r: Any) -> Any:
            return 0.5 * (1 + o.cos(math.pi * r**k_decay))

        return cosine
    if shape == "tanh":

        def tanh(o: Any, r: Any) -> Any:
            fn = math.tanh if o is SCALAR_OPS else o.np.tanh
            return 0.5 * (1 - fn(lb * (1.0 - r) + ub * r))

        return tanh

    def poly(o: Any, r: Any) -> Any:
        return o.power(1 - r**k_decay, power)

    return poly


def timm_cycle_index(u: int, t_initial: int, cycle_mul: float) -> int:
    """The cycle timm's cosine/tanh/poly schedules are in at local step ``u`` (a large
    number past the end of a shrinking series).

    Example:
        >>> from nshsched import functional as F
        >>> [F.timm_cycle_index(u, 4, 2.0) for u in (0, 3, 4, 11, 12)]
        [0, 0, 1, 1, 2]
    """
    if cycle_mul == 1:
        return u // t_initial
    i = _log_floor(1 - u / t_initial * (1 - cycle_mul), cycle_mul)
    return i if i >= 0 else 2**62


def _cycles(
    shape: TimmShape,
    *,
    t_initial: int,
    lr_min: float,
    cycle_mul: float,
    cycle_decay: float,
    cycle_limit: int,
    k_decay: float,
    lb: float,
    ub: float,
    power: float,
) -> LRCurve:
    """The cycling part over the local step ``u >= 0`` (no warmup)."""
    c_of = _shape_fn(shape, k_decay=k_decay, lb=lb, ub=ub, power=power)

    def parts(u: Step) -> tuple[Any, Any]:
        o = ops(u)
        if cycle_mul == 1:
            i = o.floor_div(u, t_initial)
            length: Any = t_initial
            cur = u - t_initial * i
        else:
            i = _log_floor(1 - u / t_initial * (1 - cycle_mul), cycle_mul)
            # Past the end of a shrinking series (cycle_mul < 1) timm takes the log of a
            # number <= 0: here that is simply past the last cycle.
            i = o.where(i < 0, cycle_limit, i)
            length = o.power(cycle_mul, i) * t_initial
            cur = o.maximum(u - (1 - o.power(cycle_mul, i)) / (1 - cycle_mul) * t_initial, 0.0)
        live = i < cycle_limit
        c = c_of(o, _fraction(o, cur, length))
        gamma = o.power(cycle_decay, o.maximum(o.minimum(i, cycle_limit - 1), 0))
        return o.where(live, gamma * c, 0.0), o.where(live, c, 0.0)

    def scale(u: Step) -> Any:
        return parts(u)[0]

    if lr_min == 0:
        return LRCurve(scale)

    def offset(u: Step) -> Any:
        return lr_min * (1 - parts(u)[1])

    return LRCurve(scale, offset)


def _with_warmup(
    decay: LRCurve,
    *,
    warmup_t: int,
    warmup_lr_init: float,
    warmup_prefix: bool,
    target: tuple[float, float] = (1.0, 0.0),
) -> LRCurve:
    """timm's warmup in front of ``decay``: from ``warmup_lr_init`` towards
    ``base * target[0] + target[1]`` (reached at ``warmup_t``), then ``decay`` on
    ``t - warmup_t`` (``warmup_prefix``) or on ``t``."""
    if warmup_t <= 0:
        # Before its first step timm shows each group's base LR: its curve from t = 1 on
        # (at t = 0 the curve can differ: tanh starts below the base, a multistep
        # milestone at 0 or 1 already applies, a cycle_limit of 0 is lr_min).
        return LRCurve(
            join([constant(1.0), shift(decay.scale, -1)], [1]),
            None if decay.offset is None else join([constant(0.0), shift(decay.offset, -1)], [1]),
        )
    a, b = target
    rest = decay if warmup_prefix else decay.map(lambda s: shift(s, -warmup_t))
    rest_offset = rest.offset if rest.offset is not None else constant(0.0)
    return LRCurve(
        warmup(rest.scale, warmup_t, peak=a),
        warmup(rest_offset, warmup_t, warmup_lr_init, peak=b),
    )


def timm_cycle_curve(
    shape: TimmShape,
    *,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    k_decay: float = 1.0,
    lb: float = -7.0,
    ub: float = 3.0,
    power: float = 0.5,
) -> LRCurve:
    """timm's cosine, tanh or poly schedule as an LR curve over timm's ``t``.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (g - w_0)\\, t / W & t < W \\\\
            η_{min} + (γ^i η_0 - η_{min})\\, c(u_i, T_i) & i < L \\\\
            η_{min} & i \\ge L
        \\end{cases}

    where :math:`w_0` = ``warmup_lr_init``, :math:`g` the warmup's target (the base LR
    :math:`η_0`, or for tanh without prefix its value at :math:`W`), :math:`L` =
    ``cycle_limit`` and the shape :math:`c` is
    :math:`\\tfrac12(1 + \\cos(\\pi u_i^k / T_i^k))` (cosine),
    :math:`\\tfrac12(1 - \\tanh(l (1 - u_i/T_i) + h\\, u_i / T_i))` (tanh, :math:`l, h` =
    ``lb``, ``ub``) or :math:`(1 - u_i^k / T_i^k)^p` (poly, :math:`p` = ``power``),
    :math:`k` = ``k_decay``.

    Example:
        >>> from nshsched import functional as F
        >>> warm = dict(t_initial=4, lr_min=0.01, warmup_t=2, warmup_lr_init=0.001)
        >>> curve = F.timm_cycle_curve("cosine", **warm)
        >>> [round(curve.lr(t, 0.1), 4) for t in range(8)]
        [0.001, 0.0505, 0.055, 0.0232, 0.01, 0.01, 0.01, 0.01]
        >>> curve = F.timm_cycle_curve("cosine", **warm, warmup_prefix=True)
        >>> [round(curve.lr(t, 0.1), 4) for t in range(8)]
        [0.001, 0.0505, 0.1, 0.0868, 0.055, 0.0232, 0.01, 0.01]
    """
    if t_initial < 1:
        raise ValueError(f"timm_{shape}: t_initial must be >= 1, got {t_initial=}")
    if cycle_mul <= 0:
        raise ValueError(f"timm_{shape}: cycle_mul must be > 0, got {cycle_mul=}")
    decay = _cycles(
        shape,
        t_initial=t_initial,
        lr_min=lr_min,
        cycle_mul=cycle_mul,
        cycle_decay=cycle_decay,
        cycle_limit=cycle_limit,
        k_decay=k_decay,
        lb=lb,
        ub=ub,
        power=power,
    )
    target = (1.0, 0.0)
    if shape == "tanh" and not warmup_prefix and warmup_t > 0:
        # timm's tanh warms up towards its own curve's value at warmup_t.
        offset = 0.0 if decay.offset is None else float(decay.offset(warmup_t))
        target = (float(decay.scale(warmup_t)), offset)
    return _with_warmup(
        decay,
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        warmup_prefix=warmup_prefix,
        target=target,
    )


def timm_step_curve(
    decay_t: float,
    decay_rate: float = 1.0,
    *,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
) -> LRCurve:
    """timm ``StepLRScheduler``: :math:`lr = η_0\\, r^{\\lfloor u / d \\rfloor}` after the
    warmup (:math:`r` = ``decay_rate``, :math:`d` = ``decay_t``, may be fractional).

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.timm_step_curve(2, 0.5, warmup_t=1)
        >>> [round(curve.lr(t, 1.0), 3) for t in range(7)]
        [0.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    if not decay_t > 0:
        raise ValueError(f"timm_step: decay_t must be > 0, got {decay_t=}")

    def schedule(u: Step) -> Any:
        o = ops(u)
        return o.power(decay_rate, o.floor_div(u, decay_t))

    return _with_warmup(
        LRCurve(schedule),
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        warmup_prefix=warmup_prefix,
    )


def timm_multistep_curve(
    decay_t: Sequence[int],
    decay_rate: float = 1.0,
    *,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
) -> LRCurve:
    """timm ``MultiStepLRScheduler``: :math:`lr = η_0\\, r^{\\#\\{m_j \\le u + 1\\}}` after the
    warmup — timm's convention: milestone :math:`m_j` already applies at :math:`u = m_j - 1`
    (one step earlier than torch's ``MultiStepLR``).

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.timm_multistep_curve([3, 5], 0.5)
        >>> [round(curve.lr(t, 1.0), 3) for t in range(7)]
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25]
    """
    marks = [int(m) for m in decay_t]
    if any(b < a for a, b in itertools.pairwise(marks)):
        raise ValueError(f"timm_multistep: decay_t must be sorted, got {marks}")

    def schedule(u: Step) -> Any:
        o = ops(u)
        if o is SCALAR_OPS:
            return decay_rate ** bisect.bisect_right(marks, u + 1)
        n = o.np.searchsorted(o.np.asarray(marks, dtype=o.np.int64), u + 1, side="right")
        return o.power(decay_rate, n)

    return _with_warmup(
        LRCurve(schedule),
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        warmup_prefix=warmup_prefix,
    )
