"""Compiling a schedule: a config, a training length and the optimizer's param groups become
a :class:`Plan` — for every (param group, key) the curve of its value over optimizer steps.

The torch schedulers (:mod:`~nshsched.runtime.scheduler`, :mod:`~nshsched.runtime.plateau`)
write a plan into the param groups; :func:`nshsched.preview` evaluates the same plan on an
array of steps. Nothing here imports torch.

How a curve applies to a group (see :class:`~nshsched.functional.LRCurve`): its ``scale``
multiplies the group's base value; its ``offset`` is absolute and the same for every group
(torch's ``eta_min``); its ``ref_offset`` is an absolute LR stated for the optimizer's
default ``lr`` — a *global* schedule gives each group ``value × base / default`` (so
``lr_scale`` and group ``lr`` ratios hold), a group's *own* schedule (``per_group.groups``,
``ParamGroupConfig.scheduler``) gives the value exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from .. import functional as F
from ..duration import TrainingLength
from . import clock
from .checks import check_cycled_momentum, check_finite, check_horizon, check_warmup, tag_of
from .hyper import base_value, has_key, momentum_key
from .resume import fingerprint

__all__ = [
    "Plan",
    "PlateauPart",
    "Target",
    "compilable",
    "compile_plan",
    "evaluate",
]

Config: TypeAlias = Any
"""A scheduler config. The runtime reads configs through their methods and their
``runtime_kind`` (``"closed_form"``, ``"per_group"``, ``"plateau"``, or ``None`` for a user's
``create_scheduler_impl``), so it imports no config class: configs call down into the
runtime, never the other way."""


def _kind(config: Config) -> str | None:
    return getattr(config, "runtime_kind", None)


@dataclass(frozen=True)
class Target:
    """One value the runtime writes: ``group[key]`` (``key`` may name a tuple element,
    ``"betas.0"``) follows ``curve`` (``None``: held at its base value)."""

    group: int
    key: str
    curve: F.LRCurve | None
    ratio: float = 1.0
    """The factor applied to the curve's ``ref_offset`` (the group's base / the default for
    a global schedule; its layer-decay factor for a group's own)."""
    factor: float = 1.0
    """The factor applied to the curve's ``offset``: the group's layer-decay factor (the
    absolute parts of a schedule are scaled like the rest of the group's LR)."""


@dataclass(frozen=True)
class PlateauPart:
    """Param groups driven by a ``reduce_lr_on_plateau`` config."""

    config: Config
    groups: tuple[int, ...]
    warmup: int
    """The warmup in optimizer steps."""


@dataclass
class Plan:
    """Everything a scheduler writes, for one optimizer and one training length."""

    config: Config
    length: TrainingLength
    names: list[str | None]
    """The param groups' names, in order (checked on resume)."""
    interval: Literal["step", "epoch"]
    """How often the closed-form scheduler is stepped (Lightning's ``interval``)."""
    unit: int
    """Optimizer steps per scheduler step: 1, or steps per epoch × ``frequency``."""
    frequency: int
    """Lightning's ``frequency`` (1 for ``interval: step``, where nshsched applies it)."""
    targets: list[Target] = field(default_factory=list)
    plateaus: list[PlateauPart] = field(default_factory=list)
    fingerprint: str = ""
    schedule: str = ""
    """The resolved schedule as canonical JSON (what :attr:`fingerprint` hashes)."""

    @property
    def driven(self) -> frozenset[int]:
        """Indices of the groups the closed-form part writes."""
        return frozenset(t.group for t in self.targets if t.key == "lr")


def _closed_curves(
    config: Config, length: TrainingLength, count: int, checks: bool
) -> list[F.LRCurve]:
    if checks:
        check_warmup(config, length)
        check_horizon(config, length)
    return clock.step_curves(config, length, count)


def compilable(config: Config) -> bool:
    """Whether nshsched runs ``config`` itself (closed-form, ``per_group``, plateau), rather
    than a user's ``create_scheduler_impl``."""
    return _kind(config) is not None


def compile_plan(
    config: Config,
    groups: Sequence[Mapping[str, Any]],
    default_lr: float,
    length: TrainingLength,
    *,
    per_step: bool = False,
    momentum: bool = True,
    checks: bool = True,
    hyperparameters: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    optimizer: str | None = None,
    factors: Sequence[float] | None = None,
) -> Plan | None:
    """The plan of ``config`` for param groups ``groups``, or ``None`` for a custom
    scheduler (one that only implements ``create_scheduler_impl``).

    Args:
        config: The scheduler config.
        groups: The param groups (torch's dicts, or mappings with ``name`` and ``lr``).
        default_lr: The optimizer's default ``lr`` (for ``ref_offset`` ratios).
        length: The training length.
        per_step: Step the closed-form part after every optimizer step, whatever its
            interval (plain loops). Without it the plan is stepped at the LR schedule's
            interval, or at every optimizer step when a scheduled hyperparameter changes
            more often (an epoch LR beside a per-step weight decay).
        momentum: Add the targets of a cycled momentum (off for an LR-only preview).
        checks: Run the checks of a scheduler's creation: the horizon, and a joined warmup
            within the training (off for previews, which create no scheduler).
        hyperparameters: Scheduled param-group keys other than the LR (key ->
            ``HyperparameterScheduleConfig``): their targets join the plan.
        defaults: The optimizer's defaults (for ``start``/``end`` hyperparameters).
        optimizer: The optimizer's name, for messages.
        factors: Each group's layer-decay factor (default 1): it multiplies every value
            of the group's LR, the absolute ones included (its base LR has it already).

    Raises:
        ValueError: A schedule gives a non-finite or negative LR within the horizon, a
            ``per_group`` name matches no group, a cycled momentum has nowhere to go (or
            would be written into ``betas[0]`` at 1 or more), a
            joined warmup is longer than the training, or ``horizon_check: error`` fails.
    """
    names = [g.get("name") for g in groups]
    n = len(groups)
    factor = list(factors) if factors is not None else [1.0] * n
    # resolves (and bounds) every duration first, the hyperparameters' schedules included
    schedule, digest = fingerprint(config, length, hyperparameters)
    kind = _kind(config)
    if kind == "per_group":
        config.check_names(names)
        plan = Plan(config, length, names, "step", 1, 1)
        by_child: dict[int, list[int]] = {}
        children: dict[int, Config] = {}
        for i, name in enumerate(names):
            child = config.schedule_for(name)
            if child is None:
                plan.targets.append(Target(i, "lr", None))
                continue
            by_child.setdefault(id(child), []).append(i)
            children[id(child)] = child
        for key, indices in by_child.items():
            child = children[key]
            if _kind(child) == "plateau":
                if checks:
                    check_warmup(child, length)
                plan.plateaus.append(
                    PlateauPart(child, tuple(indices), clock.warmup_steps(child, length))
                )
                continue
            if _kind(child) != "closed_form":  # refused by validation
                raise TypeError(f"per_group: {type(child).__name__} is not closed-form")
            own = child is not config.default
            curves = _closed_curves(child, length, len(indices), checks)
            for i, curve in zip(indices, curves):
                ratio = factor[i] if own else _ratio(groups[i], default_lr, curve, child)
                plan.targets.append(Target(i, "lr", curve, ratio, factor[i]))
        plan.targets.sort(key=lambda t: t.group)
    elif kind == "closed_form":
        interval = "step" if per_step else clock.interval(config, length)
        unit = 1 if interval == "step" else _unit(config, length)
        # one scheduler writes every target: it is stepped as often as the finest of them
        # changes (a weight decay per optimizer step beside an LR per epoch: every step)
        if interval == "epoch" and any(
            _unit(hp.schedule, length) % unit for hp in (hyperparameters or {}).values()
        ):
            interval, unit = "step", 1
        frequency = config.resolved_metadata().get("frequency", 1)
        plan = Plan(config, length, names, interval, unit, 1 if interval == "step" else frequency)
        curves = _closed_curves(config, length, n, checks)
        plan.targets = [
            Target(i, "lr", curve, _ratio(groups[i], default_lr, curve, config), factor[i])
            for i, curve in enumerate(curves)
        ]
    elif kind == "plateau":
        if checks:
            check_warmup(config, length)
        plan = Plan(config, length, names, "step", 1, 1)
        plan.plateaus.append(
            PlateauPart(config, tuple(range(n)), clock.warmup_steps(config, length))
        )
    else:
        return None
    if momentum:
        plan.targets += _momentum_targets(plan, groups, optimizer)
    if hyperparameters:
        plan.targets += _hyper_targets(plan, hyperparameters, groups, defaults or {}, checks)
    check_finite(
        plan.targets, groups, plan.length, tag_of(plan.config), _source(plan, hyperparameters)
    )
    plan.schedule, plan.fingerprint = schedule, digest
    return plan


def _unit(config: Config, length: TrainingLength) -> int:
    """Optimizer steps between two changes of a closed-form config's curve, as its
    scheduler is stepped: 1 for ``interval: step`` (its ``frequency`` is applied when the
    curve is read), ``frequency`` epochs for ``interval: epoch`` (a joined warmup makes it a
    step-interval one)."""
    if clock.interval(config, length) == "step":
        return 1
    return length.steps_per_epoch * int(config.resolved_metadata().get("frequency", 1))


def _source(plan: Plan, hyperparameters: Mapping[str, Any] | None) -> Any:
    """The config whose schedule makes a target's curve (for messages)."""

    def source(target: Target) -> Config:
        if target.key != "lr" and hyperparameters and target.key in hyperparameters:
            return hyperparameters[target.key].schedule
        if _kind(plan.config) == "per_group":
            return plan.config.schedule_for(plan.names[target.group])
        return plan.config

    return source


def _hyper_targets(
    plan: Plan,
    hyperparameters: Mapping[str, Any],
    groups: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
    checks: bool,
) -> list[Target]:
    from .hyper import hyper_targets

    if checks:
        for hp in hyperparameters.values():
            check_horizon(hp.schedule, plan.length)
    taken = {(t.group, t.key) for t in plan.targets if t.curve is not None}
    out: list[Target] = hyper_targets(hyperparameters, groups, defaults, plan.length, Target)
    for t in out:
        if (t.group, t.key) in taken:
            raise ValueError(
                f"hyperparameters.{t.key}: {tag_of(plan.config)} already schedules {t.key} "
                "(it cycles the momentum); set its cycle_momentum: false or drop this entry"
            )
    return out


def _ratio(group: Mapping[str, Any], default_lr: float, curve: F.LRCurve, config: Config) -> float:
    if curve.ref_offset is None:
        return 1.0
    if not (default_lr > 0 and math.isfinite(default_lr)):
        raise ValueError(
            f"{tag_of(config)} states learning rates for the optimizer's default lr, which must "
            f"be > 0 to scale them to each param group, got lr={default_lr!r}"
        )
    return base_value(group, "lr") / default_lr


def _momentum_targets(
    plan: Plan, groups: Sequence[Mapping[str, Any]], optimizer: str | None
) -> list[Target]:
    out = []
    for target in plan.targets:
        curve = target.curve
        if curve is None or curve.momentum is None:
            continue
        group = groups[target.group]
        key = momentum_key(group)
        if key is None:
            raise ValueError(
                f"{tag_of(plan.config)} cycles the momentum (cycle_momentum: true), but param "
                f"group {group.get('name', target.group)!r} has neither `momentum` nor `betas`; "
                "set cycle_momentum: false or use an optimizer with momentum"
            )
        check_cycled_momentum(plan.config, curve.momentum, group, key, plan.length, optimizer)
        out.append(Target(target.group, key, curve.momentum))
    return out


def evaluate(plan: Plan, groups: Sequence[Mapping[str, Any]], steps: Any, key: str = "lr") -> Any:
    """The value of ``key`` for every group at every optimizer step in ``steps``: a float64
    array ``[len(steps), len(groups)]`` (plateau groups before any reduction)."""
    import numpy as np

    steps = np.asarray(steps, dtype=np.int64)
    out = np.empty((steps.size, len(groups)), dtype=np.float64)
    by_group = {t.group: t for t in plan.targets if t.key == key}
    if key == "lr":
        for part in plan.plateaus:
            curve = F.warmup_curve(F.LRCurve(F.constant(1.0)), part.warmup)
            for i in part.groups:
                by_group[i] = Target(i, key, curve)
    scales: dict[int, Any] = {}  # one evaluation per shared multiplier
    for i, group in enumerate(groups):
        target = by_group.get(i)
        base = base_value(group, key) if has_key(group, key) else float("nan")
        if target is None or target.curve is None:
            out[:, i] = base
            continue
        curve = target.curve
        if curve.offset is None and curve.ref_offset is None:
            scale = scales.get(id(curve.scale))
            if scale is None:
                scale = scales[id(curve.scale)] = np.broadcast_to(curve.scale(steps), steps.shape)
            np.multiply(scale, base, out=out[:, i])
        else:
            out[:, i] = np.broadcast_to(
                curve.lr(steps, base, target.ratio, target.factor), steps.shape
            )
    return out
