"""The torch mirrors (API.md §4, §7, §11.1), each as torch defines its learning rates.

A curve maps a *scheduler step* ``s`` (0, 1, 2, ... one per ``interval``, see units.py), a
group's base LR ``base`` and the reference LR ``ref`` (unused here: torch's absolute values
``eta_min``, ``base_lr``, ``max_lr`` are the same for every group, as in torch) to the LR.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .units import Length, is_int, sched_steps, whole


class NotModelled(AssertionError):
    """A value the reference model does not evaluate (the generator must not produce it)."""


@dataclass
class Curve:
    """``lr(s, base, ref)`` at scheduler step ``s``; ``momentum(s)`` if the curve cycles it."""

    lr: Callable[[int, float, float], float]
    momentum: Callable[[int], float] | None = None


def _scalar(value: object, field: str) -> float:
    if isinstance(value, (list, tuple)):
        raise NotModelled(f"{field} as a per-group list is not modelled")
    return float(value)  # type: ignore[arg-type]


def step_lr(cfg, length: Length, n: int) -> Curve:
    size = sched_steps(cfg.step_size, length, n)
    return Curve(lambda s, base, ref: base * cfg.gamma ** (s // size))


def multi_step_lr(cfg, length: Length, n: int) -> Curve:
    milestones = [sched_steps(m, length, n) for m in cfg.milestones]

    def lr(s: int, base: float, ref: float) -> float:
        passed = 0
        for m in milestones:
            if m <= s:
                passed += 1
        return base * cfg.gamma**passed

    return Curve(lr)


def exponential_lr(cfg, length: Length, n: int) -> Curve:
    return Curve(lambda s, base, ref: base * cfg.gamma**s)


def cosine_annealing_lr(cfg, length: Length, n: int) -> Curve:
    # torch's recursion follows this closed form, and is not clamped at T_max.
    t_max = sched_steps(cfg.T_max, length, n)
    eta = cfg.eta_min
    return Curve(lambda s, base, ref: eta + (base - eta) * (1 + math.cos(math.pi * s / t_max)) / 2)


def cosine_annealing_warm_restarts(cfg, length: Length, n: int) -> Curve:
    t0 = sched_steps(cfg.T_0, length, n)
    eta = cfg.eta_min
    if t0 < 1:
        raise NotModelled(f"T_0 of {t0} scheduler steps (torch requires >= 1)")

    def lr(s: int, base: float, ref: float) -> float:
        start, t_i = 0, t0  # walk the cycles one by one
        while s >= start + t_i:
            start += t_i
            t_i *= cfg.T_mult
        t_cur = s - start
        return eta + (base - eta) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    return Curve(lr)


def polynomial_lr(cfg, length: Length, n: int) -> Curve:
    total = sched_steps(cfg.total_iters, length, n)

    def lr(s: int, base: float, ref: float) -> float:
        if total == 0:
            return base
        return base * (1 - min(s, total) / total) ** cfg.power

    return Curve(lr)


def linear_lr(cfg, length: Length, n: int) -> Curve:
    total = sched_steps(cfg.total_iters, length, n)

    def lr(s: int, base: float, ref: float) -> float:
        if total == 0:
            return base * cfg.end_factor
        return base * (
            cfg.start_factor + (cfg.end_factor - cfg.start_factor) * min(s, total) / total
        )

    return Curve(lr)


def constant_lr(cfg, length: Length, n: int) -> Curve:
    total = sched_steps(cfg.total_iters, length, n)
    return Curve(lambda s, base, ref: base * cfg.factor if s < total else base)


def _anneal(strategy: str, start: float, end: float, pct: float) -> float:
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_lr(cfg, length: Length, n: int) -> Curve:
    total = whole(length, n) if cfg.total_steps is None else sched_steps(cfg.total_steps, length, n)
    max_lr = _scalar(cfg.max_lr, "max_lr")
    initial = max_lr / cfg.div_factor
    final = initial / cfg.final_div_factor
    hi_m, lo_m = cfg.max_momentum, cfg.base_momentum
    up_end = float(cfg.pct_start * total) - 1
    if cfg.three_phase:
        # (end step, start lr, end lr, start momentum, end momentum), as torch lists them
        phases = [
            (up_end, initial, max_lr, hi_m, lo_m),
            (float(2 * cfg.pct_start * total) - 2, max_lr, initial, lo_m, hi_m),
            (total - 1, initial, final, hi_m, hi_m),
        ]
    else:
        phases = [(up_end, initial, max_lr, hi_m, lo_m), (total - 1, max_lr, final, lo_m, hi_m)]

    def at(s: int) -> tuple[float, float]:
        s = min(s, total - 1)  # API.md §4 / docs: the final value is held from total - 1 on
        start = 0.0
        for i, (end, lr0, lr1, m0, m1) in enumerate(phases):
            if s <= end or i == len(phases) - 1:
                pct = (s - start) / (end - start)
                return (
                    _anneal(cfg.anneal_strategy, lr0, lr1, pct),
                    _anneal(cfg.anneal_strategy, m0, m1, pct),
                )
            start = end
        raise AssertionError("unreachable")

    momentum = (lambda s: at(s)[1]) if cfg.cycle_momentum else None
    return Curve(lambda s, base, ref: at(s)[0], momentum)


def cyclic_lr(cfg, length: Length, n: int) -> Curve:
    base_lr = _scalar(cfg.base_lr, "base_lr")
    max_lr = _scalar(cfg.max_lr, "max_lr")
    up = float(sched_steps(cfg.step_size_up, length, n))
    down = up if cfg.step_size_down is None else float(sched_steps(cfg.step_size_down, length, n))
    size = up + down
    ratio = up / size

    def scale(s: int, cycle: int) -> float:
        if cfg.mode == "triangular":
            return 1.0
        if cfg.mode == "triangular2":
            return 1 / (2.0 ** (cycle - 1))
        return cfg.gamma**s  # exp_range: a function of the iterations

    def shape(s: int) -> tuple[float, float]:
        cycle = math.floor(1 + s / size)
        x = 1.0 + s / size - cycle
        factor = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        return factor, scale(s, cycle)

    def lr(s: int, base: float, ref: float) -> float:
        factor, g = shape(s)
        return base_lr + (max_lr - base_lr) * factor * g

    def momentum(s: int) -> float:
        factor, g = shape(s)
        return cfg.max_momentum - (cfg.max_momentum - cfg.base_momentum) * factor * g

    return Curve(lr, momentum if cfg.cycle_momentum else None)


TORCH = {
    "step_lr": step_lr,
    "multi_step_lr": multi_step_lr,
    "exponential_lr": exponential_lr,
    "cosine_annealing_lr": cosine_annealing_lr,
    "cosine_annealing_warm_restarts": cosine_annealing_warm_restarts,
    "polynomial_lr": polynomial_lr,
    "linear_lr": linear_lr,
    "constant_lr": constant_lr,
    "one_cycle_lr": one_cycle_lr,
    "cyclic_lr": cyclic_lr,
}

__all__ = ["TORCH", "Curve", "NotModelled", "is_int"]
