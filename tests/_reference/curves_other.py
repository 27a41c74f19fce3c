"""timm's mirrors, the nshtrainer / ReGNN / DynVision schedules, the RL reference's interval
schedules and plateau (API.md §4, §7, §10; docs/schedulers.md, docs/migrating_timm.md).

Readings:
- timm: ``t`` is the scheduler step; before its first step timm leaves each group at its
  base LR (no warmup) or at ``warmup_lr_init`` (a warmup): ``lr(0)`` is that, as in timm.
  ``lr_min`` / ``warmup_lr_init`` are absolute (the same for every group). With
  ``cycle_mul < 1``, past the end of the shrinking cycles the LR is ``lr_min``.
- ``step_decay`` / ``exponential_decay`` write LRs for the reference group (``ref``); a group
  with base LR ``base`` gets ``value * base / ref`` (API.md §7: global -> ``ref`` is the
  optimizer's ``lr``; a group's own -> ``ref`` is its base, so the value is exact).
- ``reduce_lr_on_plateau``: the LR before any reduction, the group's base LR.
"""

from __future__ import annotations

import bisect
import math

from .curves_torch import Curve
from .units import Length, sched_float, sched_steps


def _timm_cycle(cfg, u: float, t_initial: float) -> tuple[int, float, float]:
    """Cycle index ``i``, its length and the position in it, as timm computes them."""
    if cfg.cycle_mul != 1:
        arg = 1 - u / t_initial * (1 - cfg.cycle_mul)
        if arg <= 0:
            return 10**9, 1.0, 0.0  # beyond the shrinking cycles: lr_min (docs)
        i = math.floor(math.log(arg, cfg.cycle_mul))
        t_i = cfg.cycle_mul**i * t_initial
        t_curr = u - (1 - cfg.cycle_mul**i) / (1 - cfg.cycle_mul) * t_initial
        return i, t_i, t_curr
    i = int(u // t_initial)
    return i, t_initial, u - t_initial * i


def _timm(cfg, length: Length, n: int, after_warmup) -> Curve:
    """The warmup every timm scheduler shares, around ``after_warmup(t, base) -> lr``."""
    w = sched_steps(cfg.warmup_t, length, n)
    init = cfg.warmup_lr_init

    def lr(s: int, base: float, ref: float) -> float:
        if w == 0 and s == 0:
            return base  # timm's LR before its first step
        if s < w:
            if cfg.name == "timm_tanh" and not cfg.warmup_prefix:
                target = after_warmup(w, base)  # tanh: the warmup meets the curve at W
            else:
                target = base
            return init + s * (target - init) / w
        u = s - w if cfg.warmup_prefix else s
        return after_warmup(u, base)

    return Curve(lr)


def _timm_cycles(cfg, length: Length, n: int, shape) -> Curve:
    t_initial = sched_steps(cfg.t_initial, length, n)

    def after_warmup(u: float, base: float) -> float:
        i, t_i, t_curr = _timm_cycle(cfg, u, t_initial)
        if i >= cfg.cycle_limit:
            return cfg.lr_min
        peak = base * cfg.cycle_decay**i
        return cfg.lr_min + (peak - cfg.lr_min) * shape(t_curr, t_i)

    return _timm(cfg, length, n, after_warmup)


def timm_cosine(cfg, length: Length, n: int) -> Curve:
    k = cfg.k_decay
    return _timm_cycles(
        cfg, length, n, lambda tc, ti: 0.5 * (1 + math.cos(math.pi * tc**k / ti**k))
    )


def timm_poly(cfg, length: Length, n: int) -> Curve:
    k = cfg.k_decay
    return _timm_cycles(cfg, length, n, lambda tc, ti: (1 - tc**k / ti**k) ** cfg.power)


def timm_tanh(cfg, length: Length, n: int) -> Curve:
    def shape(tc: float, ti: float) -> float:
        r = tc / ti
        return 0.5 * (1 - math.tanh(cfg.lb * (1 - r) + cfg.ub * r))

    return _timm_cycles(cfg, length, n, shape)


def timm_step(cfg, length: Length, n: int) -> Curve:
    d = sched_float(cfg.decay_t, length, n)
    return _timm(cfg, length, n, lambda u, base: base * cfg.decay_rate ** (u // d))


def timm_multistep(cfg, length: Length, n: int) -> Curve:
    milestones = [sched_steps(m, length, n) for m in cfg.decay_t]
    # timm: milestone m applies at u = m - 1 (bisect_right(milestones, u + 1))
    return _timm(
        cfg,
        length,
        n,
        lambda u, base: base * cfg.decay_rate ** bisect.bisect_right(milestones, u + 1),
    )


def _cosine_tail(s: int, w: int, end: int, top: float, floor: float, clamp: bool) -> float:
    x = min(s, end) if clamp else s
    return floor + (top - floor) * 0.5 * (1 + math.cos(math.pi * (x - w) / (end - w)))


def linear_warmup_cosine_decay(cfg, length: Length, n: int) -> Curve:
    w = sched_steps(cfg.warmup_duration, length, n)
    m = sched_steps(cfg.max_duration, length, n)
    a, floor = cfg.warmup_start_lr_factor, cfg.min_lr_factor

    def lr(s: int, base: float, ref: float) -> float:
        if s < w:
            return base * (a + (1 - a) * s / w)
        return base * _cosine_tail(s, w, m, 1.0, floor, clamp=not cfg.annealing)

    return Curve(lr)


def warmup_cosine(cfg, length: Length, n: int) -> Curve:
    w = sched_steps(cfg.warmup_epochs, length, n)
    t = sched_steps(cfg.T_max, length, n)

    def lr(s: int, base: float, ref: float) -> float:
        if s < w:
            return base * s / w
        return _cosine_tail(s, w, t, base, cfg.eta_min, clamp=True)

    return Curve(lr)


def linear_warmup_cosine_annealing(cfg, length: Length, n: int) -> Curve:
    w = sched_steps(cfg.warmup_epochs, length, n)
    m = sched_steps(cfg.max_epochs, length, n)
    a = cfg.warmup_start_lr

    def lr(s: int, base: float, ref: float) -> float:
        if s < w:
            return a + (base - a) * s / w
        return _cosine_tail(s, w, m, base, cfg.eta_min, clamp=True)

    return Curve(lr)


def _bounds(cfg, length: Length, n: int) -> list[tuple[int, int, object]]:
    return [
        (sched_steps(iv.start, length, n), sched_steps(iv.end, length, n), iv)
        for iv in cfg.intervals
    ]


def step_decay(cfg, length: Length, n: int) -> Curve:
    bounds = _bounds(cfg, length, n)

    def lr(s: int, base: float, ref: float) -> float:
        value = ref  # before the first interval: the base LR
        for start, _end, iv in bounds:
            if s >= start:
                value = iv.lr  # inside it, in a gap after it, or after the last one
        return value * base / ref

    return Curve(lr)


def exponential_decay(cfg, length: Length, n: int) -> Curve:
    bounds = _bounds(cfg, length, n)

    def lr(s: int, base: float, ref: float) -> float:
        value = ref
        for start, end, iv in bounds:
            if s >= start:
                x = min(s, end - 1)  # in a gap or after the last: the value at end - 1
                k = sched_steps(iv.decay_interval, length, n)
                value = iv.init_lr * iv.decay_rate ** ((x - start) // k)
        return value * base / ref

    return Curve(lr)


def reduce_lr_on_plateau(cfg, length: Length, n: int) -> Curve:
    return Curve(lambda s, base, ref: base)


OTHER = {
    "timm_cosine": timm_cosine,
    "timm_poly": timm_poly,
    "timm_tanh": timm_tanh,
    "timm_step": timm_step,
    "timm_multistep": timm_multistep,
    "linear_warmup_cosine_decay": linear_warmup_cosine_decay,
    "warmup_cosine": warmup_cosine,
    "linear_warmup_cosine_annealing": linear_warmup_cosine_annealing,
    "step_decay": step_decay,
    "exponential_decay": exponential_decay,
    "reduce_lr_on_plateau": reduce_lr_on_plateau,
}
