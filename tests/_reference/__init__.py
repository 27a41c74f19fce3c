"""A naive reference model of nshsched's contract (API.md), for the differential tests.

Written from API.md and the project's docs alone: it imports nothing from nshsched and reads
config objects only through their field values. Given a config, a model and a training
length it answers, for every torch param group (named as the contract names it), the value
of the LR and of every numeric param-group key at every optimizer step ``0..total``.
Everything is plain loops over steps: clarity over speed.

- :func:`reference`: an ``OptimizationConfig`` (§5, §7, §9).
- :func:`reference_many`: an ``OptimizersConfig`` (§9 several optimizers).
- :func:`reference_scheduler`: a scheduler config alone, as ``preview(cfg, length, base_lrs)``.

How values are composed (readings stated in each module):

- The LR of a torch group = layer-decay factor x the value its configured group gets from
  its schedule (§9: the factor multiplies whatever the group would get, absolute or not).
- A configured group's schedule: its own ``scheduler`` (role "own"), ``None`` (constant),
  or ``"inherit"`` the global one (role "global"); a global ``per_group`` gives a listed group
  its entry (role "own") and the others ``default`` (role "global"). ``ref`` -- the LR an
  absolute schedule is stated for -- is the optimizer's ``lr`` for "global", the group's own
  base LR for "own" (§7).
- Hyperparameter ``k`` (§9): ``m(t)`` = its schedule's curve for base 1 and ``ref`` 1; a part
  with configured value ``b`` (the optimizer default ``d``; 0 for a ``_no_decay`` weight decay)
  gets ``b * m(t)``, or with ``start``/``end`` ``b / d * (end + (start - end) * m(t))``.
- A momentum-cycling schedule (``cyclic_lr``, ``one_cycle_lr`` with ``cycle_momentum``) writes
  ``momentum`` (or ``betas.0`` for optimizers with ``betas``) of the groups it drives.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clock import TAGS, OptCurve, compile_schedule, interval_of
from .curves_torch import NotModelled
from .groups import Part, base_lr, configured_values, optimizer_values, partition
from .units import Length, UnknownTag

__all__ = [
    "TAGS",
    "Length",
    "NotModelled",
    "Reference",
    "UnknownTag",
    "interval_of",
    "reference",
    "reference_groups",
    "reference_many",
    "reference_scheduler",
]


@dataclass
class Reference:
    parts: list[Part]
    values: dict[str, dict[str, list[float]]]  # torch group -> key -> value at t = 0..total


def _length(length) -> Length:
    return Length(length.steps_per_epoch, length.total_steps)


def _schedule_of(config, group: str):
    """(schedule config or None, role) of a configured group."""
    for g in config.param_groups:
        if g.name == group and g.scheduler != "inherit":
            return g.scheduler, "own"
    glob = config.scheduler
    if glob is not None and glob.name == "per_group":
        if group in glob.groups:
            return glob.groups[group], "own"
        return glob.default, "global"
    return glob, "global"


def reference(config, model, length, *, owned: set[str] | None = None, prefix: str = ""):
    """The :class:`Reference` of an ``OptimizationConfig`` over ``model``."""
    total = _length(length)
    steps = range(total.total + 1)
    parts = partition(config, model, owned)
    defaults = optimizer_values(config.optimizer)
    momentum_key = next((k for k in ("momentum", "betas.0") if k in defaults), None)
    hyper = {}
    for key, hp in config.hyperparameters.items():
        m = compile_schedule(hp.schedule, total)
        hyper[key] = ([m.lr(t, 1.0, 1.0) for t in steps], hp.start, hp.end)
    lr_cache: dict[str, tuple[list[float], OptCurve | None]] = {}
    values = {}
    for part in parts:
        if part.group not in lr_cache:
            schedule, role = _schedule_of(config, part.group)
            base = base_lr(config, part.group)
            ref = config.optimizer.lr if role == "global" else base
            curve = None if schedule is None else compile_schedule(schedule, total)
            lrs = [base if curve is None else curve.lr(t, base, ref) for t in steps]
            lr_cache[part.group] = (lrs, curve)
        lrs, curve = lr_cache[part.group]
        conf = configured_values(config, part)
        series = {key: [value] * len(steps) for key, value in conf.items()}
        series["lr"] = [part.factor * v for v in lrs]
        if curve is not None and curve.cycles_momentum:
            if momentum_key is None:
                raise NotModelled("momentum cycling on an optimizer without momentum/betas")
            series[momentum_key] = [
                conf[momentum_key] if (m := curve.momentum(t)) is None else m for t in steps
            ]
        for key, (ms, start, end) in hyper.items():
            b, d = conf[key], defaults[key]
            if start is None:
                series[key] = [b * m for m in ms]
            else:
                series[key] = [b / d * (end + (start - end) * m) for m in ms]
        values[part.name] = series
    for part in parts:  # parameter names relative to the whole model; group names as they are
        part.params = [prefix + p for p in part.params]
    return Reference(parts, values)


def reference_groups(config, length) -> dict[str, list[float]]:
    """``preview(config, length)`` without a model: the LR of each configured group, then
    ``default`` (§7), before any layer-decay factor."""
    total = _length(length)
    out = {}
    for group in [*(g.name for g in config.param_groups), "default"]:
        schedule, role = _schedule_of(config, group)
        base = base_lr(config, group)
        ref = config.optimizer.lr if role == "global" else base
        curve = None if schedule is None else compile_schedule(schedule, total)
        out[group] = [
            base if curve is None else curve.lr(t, base, ref) for t in range(total.total + 1)
        ]
    return out


def reference_many(config, model, length) -> dict[str, Reference]:
    """Each entry of an ``OptimizersConfig``: its module's parameters, or the rest."""
    taken = {
        key: entry.module for key, entry in config.optimizers.items() if entry.module is not None
    }
    out = {}
    for key, entry in config.optimizers.items():
        if entry.module is not None:
            sub = model.get_submodule(entry.module)
            out[key] = reference(entry, sub, length, prefix=entry.module + ".")
        else:
            rest = {
                name
                for name, _ in model.named_parameters()
                if not any(name.startswith(m + ".") for m in taken.values())
            }
            out[key] = reference(entry, model, length, owned=rest)
    return out


def reference_scheduler(cfg, length, base_lrs) -> list[list[float]]:
    """``preview(cfg, length, base_lrs)``: rows t = 0..total, one column per base LR."""
    total = _length(length)
    named = dict(base_lrs) if isinstance(base_lrs, dict) else dict(enumerate(base_lrs))
    ref = next(iter(named.values()))  # the first base LR plays the optimizer's lr (§7)
    columns = []
    for name, base in named.items():
        schedule, own = cfg, False
        if cfg.name == "per_group":
            own = name in cfg.groups
            schedule = cfg.groups[name] if own else cfg.default
        curve = None if schedule is None else compile_schedule(schedule, total)
        r = base if own else ref
        columns.append(
            [base if curve is None else curve.lr(t, base, r) for t in range(total.total + 1)]
        )
    return [list(row) for row in zip(*columns)]
