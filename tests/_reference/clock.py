"""From a schedule config to its value at every *optimizer* step (API.md §4, §7; docs/composition.md).

``compile_schedule(cfg, length)`` gives an :class:`OptCurve`: ``lr(t, base, ref)`` and
``momentum(t)`` at optimizer step ``t``:

- ``n`` optimizer steps make one scheduler step: ``frequency`` for ``interval: step``,
  ``frequency * steps_per_epoch`` for ``interval: epoch`` (§4; for epochs the LR changes at
  epoch boundaries, as Lightning steps it).
- A joined ``warmup`` (a ``DurationConfig`` field on a schedule without a warmup of its own,
  and on plateau) lasts ``W`` optimizer steps whatever the interval (§7): ``v0 * t / W`` with
  ``v0`` the schedule's own value at its step 0 (per group), then the schedule at scheduler
  step ``(t - W) // n`` on a training length shortened by ``W``.
- ``sequential`` (§4): phase ``i`` covers optimizer steps ``[b_i, b_i + d_i)`` and runs its own
  compiled curve on ``t - b_i`` with a length of ``d_i``; after the last phase, the last
  phase's value at its local step ``d``.

Readings: during a joined warmup a momentum-cycling schedule's momentum is its value at its
step 0 (the warmup only scales the LR). In a sequential phase that does not cycle the
momentum, the momentum is the optimizer's configured one (``None`` here); after the last
phase the last phase's momentum at its local step ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .curves_hf import HF
from .curves_other import OTHER
from .curves_torch import TORCH, Curve, NotModelled
from .units import Length, UnknownTag, opt_steps

# The schedules whose `warmup` is their own (HF's `num_warmup_steps`), not a joined one.
OWN_WARMUP = frozenset(HF)

# API.md §4: torch mirrors count epochs by default except the two per-batch ones; ReGNN's
# and DynVision's count in `interval` units, default epoch; plateau steps per epoch; the HF
# set, nshtrainer's, the interval schedules and the composites are per optimizer step.
DEFAULT_INTERVAL = {
    **dict.fromkeys(TORCH, "epoch"),
    "one_cycle_lr": "step",
    "cyclic_lr": "step",
    **dict.fromkeys(HF, "step"),
    "linear_warmup_cosine_decay": "step",
    "warmup_cosine": "epoch",
    "linear_warmup_cosine_annealing": "epoch",
    "step_decay": "step",
    "exponential_decay": "step",
    "reduce_lr_on_plateau": "epoch",
    "sequential": "step",
    "per_group": "step",
}

TAGS = frozenset(TORCH) | frozenset(HF) | frozenset(OTHER) | {"sequential", "per_group"}


def interval_of(cfg) -> str:
    """The interval a config runs on: its ``interval`` override, else its default.

    timm (§10, §11.1): ``t_in_epochs`` sets the interval; ``interval`` given alone wins (the
    two given together and contradicting is a validation error, not modelled here).
    """
    if cfg.name not in TAGS:
        raise UnknownTag("scheduler tag", cfg.name)
    if cfg.interval is not None:
        return cfg.interval
    if cfg.name.startswith("timm_"):
        return "epoch" if cfg.t_in_epochs else "step"
    return DEFAULT_INTERVAL[cfg.name]


def joined_warmup(cfg, length: Length) -> int:
    if cfg.name in OWN_WARMUP or getattr(cfg, "warmup", None) is None:
        return 0
    return opt_steps(cfg.warmup, length)


@dataclass
class OptCurve:
    curve: Curve
    w: int  # joined warmup, optimizer steps
    n: int  # optimizer steps per scheduler step

    def lr(self, t: int, base: float, ref: float) -> float:
        if t < self.w:
            return self.curve.lr(0, base, ref) * t / self.w
        return self.curve.lr((t - self.w) // self.n, base, ref)

    @property
    def cycles_momentum(self) -> bool:
        return self.curve.momentum is not None

    def momentum(self, t: int) -> float | None:
        if self.curve.momentum is None:
            return None
        if t < self.w:
            return self.curve.momentum(0)
        return self.curve.momentum((t - self.w) // self.n)


def compile_schedule(cfg, length: Length) -> OptCurve:
    """``cfg`` over optimizer steps ``0..length.total`` (and beyond: held as the formula says)."""
    interval = interval_of(cfg)
    w = joined_warmup(cfg, length)
    inner = length.shortened(w)
    frequency = cfg.frequency or 1
    n = frequency if interval == "step" else frequency * length.spe
    if cfg.name == "sequential":
        curve = _sequential(cfg, inner, n)
    elif cfg.name == "per_group":
        raise NotModelled("per_group is resolved per param group (groups.py), not as a curve")
    else:
        table = {**TORCH, **HF, **OTHER}
        curve = table[cfg.name](cfg, inner, n)
    return OptCurve(curve, w, n)


def _sequential(cfg, length: Length, n: int) -> Curve:
    if n != 1:
        raise NotModelled("a sequential with its own interval/frequency is not modelled")
    phases = []
    begin = 0
    for phase in cfg.phases:
        d = length.total - begin if phase.duration is None else opt_steps(phase.duration, length)
        # a phase of 0 steps still sees a training of one step (a length is positive, §3)
        inner = Length(length.spe, max(1, d))
        phases.append((begin, d, compile_schedule(phase.schedule, inner)))
        begin += d

    def pick(u: int) -> tuple[OptCurve, int]:
        for b, d, c in phases:
            if b <= u < b + d:
                return c, u - b
        _, d, c = phases[-1]
        return c, d

    def lr(s: int, base: float, ref: float) -> float:
        c, local = pick(s)
        return c.lr(local, base, ref)

    def momentum(s: int) -> float | None:
        c, local = pick(s)
        return c.momentum(local)

    cycles = any(c.cycles_momentum for _, _, c in phases)
    return Curve(lr, momentum if cycles else None)
