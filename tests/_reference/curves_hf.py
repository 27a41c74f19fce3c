"""The Hugging Face set (API.md §4, §7, §10; docs/schedulers.md, docs/migrating_hf.md).

Each is HF's multiplier ``α(s)`` of the group's base LR, over scheduler steps, with
``W`` = warmup and ``T`` = total in scheduler steps. HF's absolute ``lr_end`` / ``min_lr``
become a factor through ``ref``: the optimizer's default ``lr`` for a global schedule, the
group's own base LR for a group's own schedule (API.md §7), so ``α = lr_end / ref``.

Readings: after ``total`` the cosine family holds its value at ``total`` (docs: "differs from
HF only after total"); ``warmup_ratio`` gives ``ceil(total * ratio)`` scheduler steps in
floating point, ``total`` being the schedule's ``total`` or the whole training.
"""

from __future__ import annotations

import math

from .curves_torch import Curve
from .units import Length, sched_steps, whole


def _total(cfg, length: Length, n: int) -> int:
    total = getattr(cfg, "total", None)
    return whole(length, n) if total is None else sched_steps(total, length, n)


def _warmup(cfg, length: Length, n: int, total: int) -> int:
    if cfg.warmup_ratio is not None:
        return math.ceil(total * cfg.warmup_ratio)
    return sched_steps(cfg.warmup, length, n)


def _ramp(s: int, w: int) -> float:
    return s / max(1, w)


def _multiplier(alpha):
    return Curve(lambda s, base, ref: base * alpha(s, ref))


def constant(cfg, length: Length, n: int) -> Curve:
    return _multiplier(lambda s, ref: 1.0)


def constant_with_warmup(cfg, length: Length, n: int) -> Curve:
    w = _warmup(cfg, length, n, whole(length, n))
    return _multiplier(lambda s, ref: _ramp(s, w) if s < w else 1.0)


def linear(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return _ramp(s, w)
        return max(0.0, (t - s) / max(1, t - w))

    return _multiplier(alpha)


def cosine(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return _ramp(s, w)
        p = (min(s, t) - w) / max(1, t - w)
        return max(0.0, 0.5 * (1 + math.cos(math.pi * 2 * cfg.num_cycles * p)))

    return _multiplier(alpha)


def cosine_with_restarts(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return _ramp(s, w)
        p = (s - w) / max(1, t - w)
        if p >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1 + math.cos(math.pi * ((cfg.num_cycles * p) % 1.0))))

    return _multiplier(alpha)


def _min_rate(cfg, ref: float) -> float:
    return cfg.min_lr_rate if cfg.min_lr_rate is not None else cfg.min_lr / ref


def cosine_with_min_lr(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return _ramp(s, w)
        p = (min(s, t) - w) / max(1, t - w)
        r = _min_rate(cfg, ref)
        return r + (1 - r) * 0.5 * (1 + math.cos(math.pi * 2 * cfg.num_cycles * p))

    return _multiplier(alpha)


def cosine_warmup_with_min_lr(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            if cfg.warmup_lr_rate is None:
                return (s + 1) / max(1, w)
            a = cfg.warmup_lr_rate
            return a + (1 - a) * s / max(1, w - 1)
        p = min(1.0, (min(s, t) - w + 1) / max(1, t - w))
        r = _min_rate(cfg, ref)
        return max(0.0, r + (1 - r) * 0.5 * (1 + math.cos(math.pi * 2 * cfg.num_cycles * p)))

    return _multiplier(alpha)


def polynomial(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)

    def alpha(s: int, ref: float) -> float:
        e = cfg.lr_end / ref
        if s < w:
            return _ramp(s, w)
        if s > t or t == w:
            return e
        return e + (1 - e) * (1 - (s - w) / (t - w)) ** cfg.power

    return _multiplier(alpha)


def inverse_sqrt(cfg, length: Length, n: int) -> Curve:
    w = _warmup(cfg, length, n, whole(length, n))
    tau = cfg.timescale if cfg.timescale is not None else (w or 10_000)

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return _ramp(s, w)
        return ((s - w + tau) / tau) ** -0.5

    return _multiplier(alpha)


def _shape(kind: str, p: float, cycles: float, rising: bool) -> float:
    if rising:
        if kind == "linear":
            return p
        if kind == "cosine":
            return 0.5 * (1 - math.cos(math.pi * p))
        return 1 - math.sqrt(1 - p)
    if kind == "linear":
        return 1 - p
    if kind == "cosine":
        return 0.5 * (1 + math.cos(math.pi * 2 * cycles * p))
    return 1 - math.sqrt(p)


def warmup_stable_decay(cfg, length: Length, n: int) -> Curve:
    t = _total(cfg, length, n)
    w = _warmup(cfg, length, n, t)
    d = sched_steps(cfg.decay, length, n)
    stable = t - w - d if cfg.stable is None else sched_steps(cfg.stable, length, n)
    m = cfg.min_lr_ratio

    def alpha(s: int, ref: float) -> float:
        if s < w:
            return max(0.0, m + (1 - m) * _shape(cfg.warmup_type, s / max(1, w), 0, True))
        if s < w + stable:
            return 1.0
        if s < w + stable + d:
            p = (s - w - stable) / max(1, d)
            return max(0.0, m + (1 - m) * _shape(cfg.decay_type, p, cfg.num_cycles, False))
        return m

    return _multiplier(alpha)


HF = {
    "constant": constant,
    "constant_with_warmup": constant_with_warmup,
    "linear": linear,
    "cosine": cosine,
    "cosine_with_restarts": cosine_with_restarts,
    "cosine_with_min_lr": cosine_with_min_lr,
    "cosine_warmup_with_min_lr": cosine_warmup_with_min_lr,
    "polynomial": polynomial,
    "inverse_sqrt": inverse_sqrt,
    "warmup_stable_decay": warmup_stable_decay,
}
