"""Durations, training lengths and scheduler steps (API.md §3, §4; docs/durations.md).

Readings chosen where the contract leaves room (each is a comment where it is used too):

- A duration in optimizer steps: ``steps`` as is, ``epochs`` ``round(value * steps_per_epoch)``,
  ``fraction`` ``round(value * total_steps)``, rounding halves up (docs/durations.md).
- A count field of a schedule (``T_max``, HF ``warmup``/``total``, timm ``t_initial``, ...) given
  as an int is already in *scheduler steps* (one per ``interval``, advanced once every
  ``frequency`` intervals: ``n`` optimizer steps each). Given as a duration it is converted to
  optimizer steps, then to scheduler steps: ``round(steps / n)``, halves up.
- "The whole training" (HF ``total: None``, ``one_cycle_lr`` ``total_steps: None``) is the
  duration ``fraction 1.0`` converted the same way, and at least one scheduler step.
- A training length is at least one optimizer step (§3: ``TrainingLength`` is positive): a
  schedule whose joined warmup uses up its whole training, or a sequential phase of 0 steps,
  runs on a training of one step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class UnknownTag(AssertionError):
    """The reference model does not know a registered tag: a test must fail, not skip."""

    def __init__(self, what: str, tag: str) -> None:
        super().__init__(
            f"the reference model (tests/_reference) does not know the {what} {tag!r}: "
            "write its formula from API.md and add it there"
        )


@dataclass(frozen=True)
class Length:
    """A training length: ``spe`` optimizer steps per epoch, ``total`` optimizer steps."""

    spe: int
    total: int

    def shortened(self, by: int) -> Length:
        # Reading: a training length is at least one step (§3: a TrainingLength is
        # positive), so a schedule whose warmup uses up its whole training runs on one step.
        return Length(self.spe, max(1, self.total - by))


def half_up(x: float) -> int:
    """Nearest integer, halves up (``floor(x + 0.5)``)."""
    return math.floor(x + 0.5)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def opt_steps(value: Any, length: Length) -> int:
    """A duration object (or an int, already optimizer steps) in optimizer steps."""
    if value is None:
        return 0
    if is_int(value):
        return value
    kind = value.kind
    if kind == "steps":
        return int(value.value)
    if kind == "epochs":
        return half_up(value.value * length.spe)
    if kind == "fraction":
        return half_up(value.value * length.total)
    raise UnknownTag("duration kind", kind)


def sched_steps(value: Any, length: Length, n: int) -> int:
    """A count field in scheduler steps: an int as is; a duration converted (see above)."""
    if is_int(value):
        return value
    return half_up(opt_steps(value, length) / n)


def sched_float(value: Any, length: Length, n: int) -> float:
    """Like :func:`sched_steps` for fields that accept a float count (timm ``decay_t``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return float(half_up(opt_steps(value, length) / n))


def whole(length: Length, n: int) -> int:
    """The whole training in scheduler steps: ``fraction 1.0`` converted (at least 1)."""
    return max(1, half_up(length.total / n))
