"""The checks a schedule passes when it is built: its horizon against the training, and
finite, non-negative values over the whole training (nothing here imports torch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import functional as F
from ..duration import TrainingLength
from ..loading.warn import warn
from . import clock
from .hyper import base_value

__all__ = [
    "HorizonWarning",
    "check_cycled_momentum",
    "check_finite",
    "check_horizon",
    "check_warmup",
    "tag_of",
]

_FINITE_SAMPLES = 4096


class HorizonWarning(UserWarning):
    """A schedule's decay ends before or after the end of training (``horizon_check``)."""


def tag_of(config: Any) -> str:
    """A config's tag (its class name when it has none), for messages."""
    return str(getattr(config, "name", type(config).__name__))


def check_horizon(config: Any, length: TrainingLength) -> None:
    """Warn (or raise, or nothing: ``config.horizon_check``) when the schedule's decay ends
    before or after the end of training."""
    if config.horizon_check == "off":
        return
    units = config.horizon_units(length)
    if units is None:
        return
    end = clock.warmup_steps(config, length) + units * config.steps_per_unit(length)
    total = length.total_steps
    if end == total:
        return
    if end < total:
        share = (total - end) / total
        what = (
            f"its decay ends at optimizer step {end} of {total}: the last {share:.0%} of "
            "training runs past it"
        )
    else:
        share = (end - total) / end
        what = (
            f"its decay ends at optimizer step {end}, but training stops at step {total}: "
            f"the last {share:.0%} of the decay never runs"
        )
    message = (
        f"{tag_of(config)}: {what} (set the schedule's length to the training's, give it as a "
        "fraction of training, or set horizon_check: off)"
    )
    if config.horizon_check == "error":
        raise ValueError(message)
    warn(message, HorizonWarning)


def check_warmup(config: Any, length: TrainingLength) -> None:
    """Refuse a joined warmup longer than the whole training (the LR would never reach
    the schedule's start)."""
    w = clock.warmup_steps(config, length)
    if w <= length.total_steps:
        return
    getter = getattr(config, "generic_warmup", None)
    given = getter() if getter is not None else getattr(config, "warmup", None)
    shown = f"{{kind: {given.kind}, value: {given.value:g}}} = " if given is not None else ""
    raise ValueError(
        f"{tag_of(config)}: warmup ({shown}{w} optimizer steps) is longer than the whole "
        f"training ({length.total_steps} optimizer steps): the LR would never reach the "
        "schedule; shorten the warmup, or give it as a fraction of training"
    )


def _sample_steps(total: int) -> Any:
    import numpy as np

    if total + 1 <= _FINITE_SAMPLES:
        return np.arange(total + 1, dtype=np.int64)
    return np.unique(np.linspace(0, total, _FINITE_SAMPLES).round().astype(np.int64))


def check_finite(
    targets: Sequence[Any],
    groups: Sequence[Mapping[str, Any]],
    length: TrainingLength,
    tag: str,
    source: Callable[[Any], Any] | None = None,
) -> None:
    """Every value finite (and every LR >= 0) over the horizon, checked on a grid of at most
    4096 steps that includes both ends.

    ``source(target)`` is the config whose schedule makes a target's curve (a ``per_group``
    child, a hyperparameter's schedule): a value that overflows names the fields of it that
    compound (its ``growth_fields()``, such as ``exponential_lr``'s ``gamma``).
    """
    import numpy as np

    steps = _sample_steps(length.total_steps)
    # Each curve's components are evaluated once, however many groups share it (a
    # global schedule over thousands of groups); the values are those of ``curve.lr``.
    components: dict[int, tuple[Any, Any, Any]] = {}

    def evaluated(schedule: F.Schedule | None) -> Any:
        if schedule is None:
            return None
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, by name
            return np.broadcast_to(schedule(steps), steps.shape)

    for target in targets:
        curve = target.curve
        if curve is None:
            continue
        parts = components.get(id(curve))
        if parts is None:
            parts = components[id(curve)] = (
                evaluated(curve.scale),
                evaluated(curve.offset),
                evaluated(curve.ref_offset),
            )
        scale, offset, ref_offset = parts
        base = base_value(groups[target.group], target.key)
        with np.errstate(over="ignore", invalid="ignore"):
            values = base * scale
            if offset is not None:
                values = values + target.factor * offset
            if ref_offset is not None:
                values = values + target.ratio * ref_offset
        bad = ~np.isfinite(values)
        if target.key == "lr" or base >= 0:  # a value configured >= 0 stays >= 0
            bad |= values < 0
        if bad.any():
            i = int(np.argmax(bad))
            name = groups[target.group].get("name", target.group)
            config = source(target) if source is not None else None
            growth = getattr(config, "growth_fields", None)
            fields = growth() if callable(growth) and not np.isfinite(values[i]) else {}
            what = (
                f"{tag_of(config)}: {', '.join(f'{k}={v!r}' for k, v in fields.items())} "
                "compounds: the"
                if fields
                else f"{tag if config is None else tag_of(config)}: the"
            )
            fix = (
                f"lower {' / '.join(fields)}, or shorten the training it grows over"
                if fields
                else "check its decay factors and counts"
            )
            raise ValueError(
                f"{what} {target.key} of param group {name!r} would be "
                f"{float(values[i])!r} at optimizer step {int(steps[i])} of "
                f"{length.total_steps}; a schedule must give a finite, non-negative "
                f"value over the whole training ({fix})"
            )


def _cycling(config: Any, group: str | None) -> list[tuple[Any, tuple[float, float]]]:
    """The momentum-cycling configs (and their ``(base_momentum, max_momentum)``) that drive
    the group named ``group`` under ``config``: itself, a ``per_group`` child, a phase."""
    if getattr(config, "runtime_kind", None) == "per_group":
        child = config.schedule_for(group)
        return [] if child is None else _cycling(child, group)
    out = []
    momentum_range = getattr(config, "momentum_range", None)
    found = momentum_range() if callable(momentum_range) else None
    if found is not None:
        out.append((config, found))
    phases = getattr(config, "phases", None)  # a sequential's (WSD's ``phases`` is a method)
    if isinstance(phases, list):
        for phase in phases:
            out += _cycling(phase.schedule, group)
    return out


def check_cycled_momentum(
    config: Any,
    curve: F.LRCurve,
    group: Mapping[str, Any],
    key: str,
    length: TrainingLength,
    optimizer: str | None,
) -> None:
    """Refuse a cycled momentum that would break the optimizer's step: torch accepts any
    momentum >= 0 (SGD, RMSprop), but one written into ``betas[0]`` must be in [0, 1) (an
    Adam-style step divides by ``1 - betas[0] ** step``; torch's constructors refuse it).
    A ``base_momentum``/``max_momentum`` of 1 or more is refused whether or not the
    training reaches it; any other value of the curve (a user's) over the horizon too.

    Raises:
        ValueError: naming the config's field, its value, the optimizer and the group.
    """
    import numpy as np

    if key != "betas.0":
        return
    name = group.get("name")
    fields = [
        f"{tag_of(c)}: {field}={value!r}"
        for c, (low, high) in _cycling(config, name)
        for field, value in (("max_momentum", high), ("base_momentum", low))
        if not 0 <= value < 1
    ]
    what = fields[0] if fields else None
    if what is None:
        steps = _sample_steps(length.total_steps)
        values = np.broadcast_to(curve.lr(steps, base_value(group, key)), steps.shape)
        bad = ~((values >= 0) & (values < 1))
        if not bad.any():
            return
        i = int(np.argmax(bad))
        what = (
            f"{tag_of(config)}: the cycled momentum {float(values[i])!r} (at optimizer step "
            f"{int(steps[i])})"
        )
    where = f"param group {name!r} of " if name is not None else ""
    raise ValueError(
        f"{what} would be written into betas[0] of {where}{optimizer or 'the optimizer'}, "
        "which must be in [0, 1): its step divides by 1 - betas[0] ** step. Use momentums "
        "below 1 with this optimizer, set cycle_momentum: false, or use an optimizer with "
        "a `momentum` (SGD, RMSprop), which takes any momentum >= 0"
    )
