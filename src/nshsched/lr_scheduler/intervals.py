"""Interval schedules (the RL reference): absolute LRs on ``[start, end)`` step intervals.

Rules shared by ``step_decay`` and ``exponential_decay``:

- ``start``/``end`` are scheduler steps (``int``; one per optimizer step with the default
  ``interval: step``) or durations (fractions are how presets are written). An interval
  covers ``start <= t < end``.
- Intervals must be in order and must not overlap (``end`` of one ``<=`` ``start`` of the
  next): a validation error when all bounds are in one unit (``int``s, or durations of
  one kind), an error at creation otherwise (durations are resolved against the training
  length then).
- Before the first interval (when it does not start at 0) each group keeps its base LR.
- In a gap between two intervals, and after the last one, the LR holds the previous
  interval's final value (its value at ``end - 1``).
- The LRs are absolute and the same for every param group (a different schedule per group
  is :class:`~nshsched.PerGroupSchedulerConfig`'s job).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, field_validator, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.base import Config
from ..config.errors import field_error
from ..duration import DurationConfig, TrainingLength
from .base import (
    ClosedFormLRSchedulerConfigBase,
    Count,
    lr_scheduler_registry,
    show_count,
    show_units,
)

__all__ = [
    "ExponentialDecayConfig",
    "ExponentialDecayIntervalConfig",
    "StepDecayConfig",
    "StepDecayIntervalConfig",
]


class _IntervalError(ValueError):
    """A rule between intervals broken: the interval and field to change."""

    def __init__(self, message: str, index: int, field: str, value: Any) -> None:
        super().__init__(message)
        self.index, self.field, self.value = index, field, value


def _check_intervals(
    items: Sequence[_IntervalConfig], bounds: Sequence[tuple[float, float]], resolved: bool
) -> None:
    """Each interval non-empty, all in order without overlap; messages show the values
    (with the scheduler steps they resolve to, when ``resolved``).

    Raises:
        _IntervalError: naming the interval and its field.
    """

    def show(value: int | DurationConfig, units: float) -> str:
        return show_units(value, int(units)) if resolved else show_count(value)

    for i, ((start, end), item) in enumerate(zip(bounds, items)):
        if not start < end:
            raise _IntervalError(
                f"intervals[{i}]: start ({show(item.start, start)}) must be < "
                f"end ({show(item.end, end)})",
                i,
                "end",
                item.end,
            )
        if i and start < bounds[i - 1][1]:
            prev = items[i - 1]
            raise _IntervalError(
                f"intervals[{i}] overlaps or precedes intervals[{i - 1}]: its start "
                f"({show(item.start, start)}) must be >= the previous end "
                f"({show(prev.end, bounds[i - 1][1])}); intervals must be ordered and "
                "must not overlap",
                i,
                "start",
                item.start,
            )


class _IntervalConfig(Config):
    start: Count
    """First scheduler step of the interval (an ``int``) or a duration."""

    end: Count
    """First scheduler step after the interval (an ``int``) or a duration."""


class StepDecayIntervalConfig(_IntervalConfig):
    """One interval of :class:`StepDecayConfig`: ``lr`` on ``[start, end)``."""

    lr: NonNegativeFloat
    """The learning rate on this interval (absolute)."""


class ExponentialDecayIntervalConfig(_IntervalConfig):
    """One interval of :class:`ExponentialDecayConfig`."""

    init_lr: NonNegativeFloat
    """The learning rate at ``start`` (absolute)."""

    decay_rate: PositiveFloat
    """Factor applied every ``decay_interval`` steps."""

    decay_interval: Annotated[int, Field(ge=1)] | DurationConfig
    """Scheduler steps between two decays (an ``int``) or a duration (at least one step)."""

    @field_validator("decay_interval")
    @classmethod
    def _not_zero(cls, value: int | DurationConfig) -> int | DurationConfig:
        if not isinstance(value, int) and value.value == 0:
            raise ValueError(
                f"{show_count(value)} is 0 steps: decays must be at least one step apart"
            )
        return value


class _IntervalScheduleBase(ClosedFormLRSchedulerConfigBase):
    intervals: Sequence[_IntervalConfig]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        # Checked now when every bound is in one unit (ints, or durations of one kind).
        items = list(self.intervals)
        same = self.same_unit(*[b for x in items for b in (x.start, x.end)])
        if same is not None:
            try:
                _check_intervals(items, list(zip(same[::2], same[1::2])), resolved=False)
            except _IntervalError as e:
                raise field_error(("intervals", e.index, e.field), str(e), e.value) from None
        return self

    @override
    def absolute_lr(self) -> float | None:
        """The first interval's LR when it starts at step 0 (before a later start, each
        group keeps its base LR)."""
        first = self.intervals[0]
        starts_at_zero = (first.start if isinstance(first.start, int) else first.start.value) == 0
        if not starts_at_zero:
            return None
        value = first.lr if isinstance(first, StepDecayIntervalConfig) else first.init_lr  # type: ignore[attr-defined]
        return float(value)

    def resolved(self, length: TrainingLength) -> list[tuple[int, int]]:
        """Every interval as ``(start, end)`` in scheduler steps, checked."""
        items = list(self.intervals)
        bounds = [(self.to_units(x.start, length), self.to_units(x.end, length)) for x in items]
        _check_intervals(items, bounds, resolved=True)
        return bounds

    def pieces(self, length: TrainingLength) -> list[F.Schedule]:
        """Each interval's LR as a function of its local step."""
        raise NotImplementedError

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        bounds = self.resolved(length)
        return F.interval_curve([s for s, _ in bounds], [e for _, e in bounds], self.pieces(length))


@lr_scheduler_registry.register
class StepDecayConfig(_IntervalScheduleBase):
    """Fixed learning rates on step intervals (the RL reference's ``step_decay``).

    .. math::
        \\mathrm{lr}(t) = \\begin{cases}
            b & t < s_0 \\\\
            \\mathrm{lr}_i & s_i \\le t < e_i \\\\
            \\mathrm{lr}_i & e_i \\le t < s_{i+1} \\text{ (gap) or after the last interval}
        \\end{cases}

    where :math:`b` is the group's base LR and :math:`[s_i, e_i)` the intervals. See the
    module docstring for the rules (order, gaps, durations, groups).

    Example:
        >>> import nshsched as S
        >>> cfg = S.StepDecayConfig(intervals=[{"start": 0, "end": 2, "lr": 0.1},
        ...                                    {"start": 2, "end": 4, "lr": 0.05}])
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5)).ravel().tolist()
        [0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
    """

    name: Literal["step_decay"] = "step_decay"

    intervals: Annotated[list[StepDecayIntervalConfig], Field(min_length=1)]  # type: ignore[assignment]
    """The intervals, in order and not overlapping."""

    @override
    def pieces(self, length: TrainingLength) -> list[F.Schedule]:
        return [F.constant(x.lr) for x in self.intervals]


@lr_scheduler_registry.register
class ExponentialDecayConfig(_IntervalScheduleBase):
    """Staircase exponential decay on step intervals (the RL reference's
    ``exponential_decay``).

    .. math::
        \\mathrm{lr}(t) = \\mathrm{lr}^{(0)}_i \\, γ_i^{\\lfloor (t - s_i) / k_i \\rfloor}
        \\qquad s_i \\le t < e_i

    where :math:`\\mathrm{lr}^{(0)}_i` = ``init_lr``, :math:`γ_i` = ``decay_rate`` and
    :math:`k_i` = ``decay_interval`` of interval :math:`i`. Before the first interval: the
    base LR; in gaps and after the last interval: the previous interval's value at
    :math:`e_i - 1`. See the module docstring for the rules.

    Example:
        >>> import nshsched as S
        >>> cfg = S.ExponentialDecayConfig(intervals=[
        ...     {"start": 0, "end": 4, "init_lr": 1.0, "decay_rate": 0.5, "decay_interval": 2}])
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=6, total_steps=6)).ravel().tolist()
        [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    """

    name: Literal["exponential_decay"] = "exponential_decay"

    intervals: Annotated[list[ExponentialDecayIntervalConfig], Field(min_length=1)]  # type: ignore[assignment]
    """The intervals, in order and not overlapping."""

    @override
    def pieces(self, length: TrainingLength) -> list[F.Schedule]:
        out = []
        for i, x in enumerate(self.intervals):
            k = self.to_units(x.decay_interval, length)
            if k < 1:
                raise ValueError(
                    f"intervals[{i}].decay_interval ({show_units(x.decay_interval, k)}) "
                    "must be at least 1 step"
                )
            out.append(F.staircase_exponential(x.init_lr, x.decay_rate, k))
        return out

    @override
    def growth_fields(self) -> dict[str, float]:
        """Each interval's ``decay_rate`` above 1 compounds."""
        return {
            f"intervals[{i}].decay_rate": x.decay_rate
            for i, x in enumerate(self.intervals)
            if x.decay_rate > 1
        }
