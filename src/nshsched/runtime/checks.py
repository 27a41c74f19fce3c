"""The checks a schedule passes when it is built: its horizon against the training, and
finite, non-negative values over the whole training (nothing here imports torch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import functional as F
from ..duration import TrainingLength
from ..loading.warn import warn
from . import clock
from .hyper import base_value

__all__ = ["HorizonWarning", "check_finite", "check_horizon", "check_warmup", "tag_of"]

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
    targets: Sequence[Any], groups: Sequence[Mapping[str, Any]], length: TrainingLength, tag: str
) -> None:
    """Every value finite (and every LR >= 0) over the horizon, checked on a grid of at most
    4096 steps that includes both ends."""
    import numpy as np

    steps = _sample_steps(length.total_steps)
    # Each curve's components are evaluated once, however many groups share it (a
    # global schedule over thousands of groups); the values are those of ``curve.lr``.
    components: dict[int, tuple[Any, Any, Any]] = {}

    def evaluated(schedule: F.Schedule | None) -> Any:
        return None if schedule is None else np.broadcast_to(schedule(steps), steps.shape)

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
        values = base * scale
        if offset is not None:
            values = values + offset
        if ref_offset is not None:
            values = values + target.ratio * ref_offset
        bad = ~np.isfinite(values)
        if target.key == "lr" or base >= 0:  # a value configured >= 0 stays >= 0
            bad |= values < 0
        if bad.any():
            i = int(np.argmax(bad))
            name = groups[target.group].get("name", target.group)
            raise ValueError(
                f"{tag}: the {target.key} of param group {name!r} would be "
                f"{float(values[i])!r} at optimizer step {int(steps[i])} of "
                f"{length.total_steps}; a schedule must give a finite, non-negative "
                "value over the whole training (check its decay factors and counts)"
            )
