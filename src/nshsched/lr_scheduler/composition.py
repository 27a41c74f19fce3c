"""Composition: closed-form schedules joined end to end, and a schedule per param group."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.base import Config
from ..config.errors import field_error
from ..duration import DurationConfig, FractionConfig, TrainingLength
from .base import (
    ClosedFormLRSchedulerConfigBase,
    LRSchedulerConfig,
    LRSchedulerConfigBase,
    LRSchedulerMetadata,
    lr_scheduler_registry,
)
from .plateau import ReduceLROnPlateauConfig

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = ["PerGroupSchedulerConfig", "SequentialPhaseConfig", "SequentialSchedulerConfig"]


def _hold_after(curve: F.LRCurve, end: int) -> F.LRCurve:
    """``curve`` frozen at its value at step ``end`` for every later step."""

    def clamp(schedule: F.Schedule) -> F.Schedule:
        def held(t: F.Step) -> Any:
            return schedule(F.ops(t).minimum(t, end))

        return held

    return curve.map(clamp)


def _sampled(curve: F.LRCurve, n: int) -> F.LRCurve:
    """``u -> curve(u * n)``: a curve over optimizer steps read once per scheduler step."""
    if n == 1:
        return curve

    def sample(schedule: F.Schedule) -> F.Schedule:
        return lambda u: schedule(u * n)

    return curve.map(sample)


class SequentialPhaseConfig(Config):
    """One phase of a :class:`SequentialSchedulerConfig`."""

    schedule: LRSchedulerConfig
    """A closed-form schedule; it sees the phase's own local step and a training length whose
    ``total_steps`` is the phase's duration."""

    duration: Annotated[int, Field(ge=0)] | DurationConfig | None = None
    """How long the phase lasts: optimizer steps (an ``int``) or a duration (fractions are of
    the whole training). Only the last phase may omit it: it then runs to the end."""


@lr_scheduler_registry.register
class SequentialSchedulerConfig(ClosedFormLRSchedulerConfigBase):
    """Closed-form schedules joined end to end.

    Phase :math:`i` covers optimizer steps :math:`[b_i, b_{i+1})` and runs its schedule on
    the local step :math:`t - b_i`, with a training length of :math:`d_i` steps (so a
    ``fraction`` or a default ``total`` inside a phase is relative to the phase). The last
    phase's duration may be omitted: it then lasts the rest of training. After the last
    phase ends, the learning rate stays at its final value.

    .. math::
        \\alpha(t) = \\begin{cases}
            f_i(t - b_i) & b_i \\le t < b_{i+1} \\\\
            f_{n-1}(d_{n-1}) & t \\ge b_n
        \\end{cases}
        \\qquad b_0 = 0,\\; b_{i+1} = b_i + d_i

    where :math:`f_i` is phase :math:`i`'s curve over optimizer steps (its own ``interval``,
    ``frequency`` and ``warmup`` included), :math:`d_i` its duration in optimizer steps and
    :math:`n` the number of phases.

    Only closed-form schedules can be phases (not ``reduce_lr_on_plateau``, not
    ``per_group``, not a custom ``create_scheduler_impl``). Phase durations must fit in the
    training: their sum may not exceed ``total_steps``.

    Example:
        Warm up over the first 2 steps, then decay linearly to 0 over the rest:

        >>> import nshsched as S
        >>> cfg = S.SequentialSchedulerConfig(phases=[
        ...     {"schedule": {"name": "constant_with_warmup",
        ...                   "warmup": {"kind": "fraction", "value": 1.0}}, "duration": 2},
        ...     {"schedule": {"name": "linear"}},
        ... ])
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=3, total_steps=6))[:, 0].tolist()
        [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    """

    name: Literal["sequential"] = "sequential"

    phases: Annotated[list[SequentialPhaseConfig], Field(min_length=1)]
    """The phases, in order."""

    @model_validator(mode="after")
    def _check_phases(self) -> Self:
        last = len(self.phases) - 1
        for i, phase in enumerate(self.phases):
            if not isinstance(phase.schedule, ClosedFormLRSchedulerConfigBase):
                raise ValueError(
                    f"phases[{i}].schedule: a sequential phase must be a closed-form schedule, "
                    f"got {type(phase.schedule).__name__}"
                )
            if phase.duration is None and i != last:
                raise ValueError(
                    f"phases[{i}].duration: only the last phase may omit its duration "
                    f"({len(self.phases)} phases)"
                )
        fractions = [
            (i, p.duration.value)
            for i, p in enumerate(self.phases)
            if isinstance(p.duration, FractionConfig)
        ]
        if sum(v for _, v in fractions) > 1 + 1e-9:
            shares = " + ".join(f"{v:g}" for _, v in fractions)
            raise field_error(
                ("phases", fractions[-1][0], "duration"),
                f"the phases' fractions of training add up to more than the whole training: "
                f"{shares} = {sum(v for _, v in fractions):g} > 1",
                self.phases[fractions[-1][0]].duration,
                "shorten the phases",
            )
        return self

    def phase_steps(self, length: TrainingLength) -> list[int]:
        """Each phase's duration in optimizer steps (the omitted last one: the rest).

        Raises:
            ValueError: The durations add up to more than ``length.total_steps``.
        """
        steps = [self._duration_steps(p.duration, length) for p in self.phases[:-1]]
        last = self.phases[-1].duration
        if last is not None:
            steps.append(self._duration_steps(last, length))
        if sum(steps) > length.total_steps:
            raise ValueError(
                f"sequential: phase durations {steps} (optimizer steps) add up to "
                f"{sum(steps)} > total_steps={length.total_steps}"
            )
        if last is None:
            steps.append(length.total_steps - sum(steps))
        return steps

    @staticmethod
    def _duration_steps(duration: int | DurationConfig | None, length: TrainingLength) -> int:
        if duration is None:  # pragma: no cover - excluded by the validator
            raise ValueError("a phase needs a duration")
        return duration if isinstance(duration, int) else duration.to_steps(length)

    @override
    def group_lr_curves(self, length: TrainingLength, count: int) -> list[F.LRCurve]:
        """The phases' curves over optimizer steps (each through the clock, with its own
        interval, frequency and warmup), joined, held after the last phase, and read once per
        scheduler step of this config."""
        from ..runtime.clock import step_curves

        steps = self.phase_steps(length)
        per_phase = []
        for phase, d in zip(self.phases, steps):
            local = TrainingLength(steps_per_epoch=length.steps_per_epoch, total_steps=max(1, d))
            per_phase.append(step_curves(phase.schedule, local, count))
        bounds = list(itertools.accumulate(steps[:-1]))
        n = self.steps_per_unit(length)
        out: list[F.LRCurve] = []
        done: dict[tuple[int, ...], F.LRCurve] = {}
        for g in range(count):
            curves = [phase[g] for phase in per_phase]
            key = tuple(id(c) for c in curves)
            if key not in done:
                curves[-1] = _hold_after(curves[-1], steps[-1])
                done[key] = _sampled(F.join_curves(curves, bounds), n)
            out.append(done[key])
        return out

    @override
    def growth_fields(self) -> dict[str, float]:
        """The phases' growth fields, under their paths."""
        return {
            f"phases[{i}].schedule.{field}": value
            for i, phase in enumerate(self.phases)
            for field, value in phase.schedule.growth_fields().items()
        }

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        """The joined curve (of a single param group)."""
        return self.group_lr_curves(length, 1)[0]


@lr_scheduler_registry.register
class PerGroupSchedulerConfig(LRSchedulerConfigBase):
    """A different schedule for each torch param group, matched by the group's ``name``.

    For each param group :math:`g` with base LR :math:`\\eta_g`:

    .. math::
        \\eta_g(t) = \\begin{cases}
            \\mathrm{lr}_{s_g}(t, \\eta_g) & s_g \\ne \\mathrm{None} \\\\
            \\eta_g & s_g = \\mathrm{None}
        \\end{cases}

    where :math:`s_g` is ``groups[name]`` when the group's name is listed, else ``default``,
    and :math:`\\mathrm{lr}_s` is schedule :math:`s` over optimizer steps (its own
    ``interval``, ``frequency`` and ``warmup`` included).

    Children may be any closed-form schedules and ``reduce_lr_on_plateau``. Closed-form groups
    are driven by one scheduler stepped after every optimizer step; plateau groups by their
    own per-epoch scheduler that watches the metric. With one plateau child, that is one
    scheduler (and one Lightning dict from :meth:`create_scheduler`): the plateau scheduler,
    stepped with its metric, carries the closed-form groups as its companion, advanced at
    every optimizer step by an optimizer step hook. Several plateau children each watch
    their own metric: build them with :meth:`create_schedulers` (one dict for the
    closed-form groups, one per plateau child). Custom schedulers (a
    ``create_scheduler_impl`` only) cannot drive a subset of the groups and are rejected.

    A listed name that matches no param group is an error when the scheduler is created.
    :func:`nshsched.preview` takes ``base_lrs`` as a mapping of group name to LR.

    Example:
        >>> import nshsched as S
        >>> cfg = S.PerGroupSchedulerConfig(groups={"head": None})
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=2, total_steps=2),
        ...           {"head": 0.1, "body": 0.01}).tolist()
        [[0.1, 0.01], [0.1, 0.01], [0.1, 0.01]]
    """

    name: Literal["per_group"] = "per_group"
    runtime_kind: ClassVar[Literal["closed_form", "per_group", "plateau"] | None] = "per_group"

    default: LRSchedulerConfig | None = None
    """The schedule of every group not listed in ``groups``; ``None`` keeps them constant."""

    groups: dict[str, LRSchedulerConfig | None] = Field(default_factory=dict)
    """Group name -> its schedule; ``None`` keeps that group at its base LR."""

    @model_validator(mode="after")
    def _check_children(self) -> Self:
        children = [("default", self.default)] + [
            (f"groups[{k!r}]", v) for k, v in self.groups.items()
        ]
        for where, child in children:
            if child is None or isinstance(child, ClosedFormLRSchedulerConfigBase):
                continue
            if isinstance(child, PerGroupSchedulerConfig):
                raise ValueError(f"{where}: per_group cannot be nested in per_group")
            if not isinstance(child, ReduceLROnPlateauConfig):
                raise ValueError(
                    f"{where}: {type(child).__name__} is a custom scheduler "
                    "that cannot drive a subset of the param groups; per_group takes "
                    "closed-form schedules and reduce_lr_on_plateau"
                )
        if self.interval not in (None, "step") or self.frequency is not None:
            raise ValueError(
                f"per_group: set interval/frequency on each child schedule, not on per_group "
                f"(got interval={self.interval!r}, frequency={self.frequency!r})"
            )
        if self.monitor is not None:
            raise ValueError(
                f"per_group: set monitor on the reduce_lr_on_plateau child, not on per_group "
                f"(got monitor={self.monitor!r})"
            )
        return self

    @override
    def metadata(self) -> LRSchedulerMetadata:
        """Stepped after every optimizer step (each child applies its own rhythm)."""
        return {"interval": "step"}

    @override
    def absolute_lr(self) -> float | None:
        """The default's first LR when the default and every listed group set absolute LRs
        from step 0 (a group kept constant, or a relative schedule, uses its base LR)."""
        schedules = [self.default, *self.groups.values()]
        firsts = [s.absolute_lr() if s is not None else None for s in schedules]
        if self.default is None or any(f is None for f in firsts):
            return None
        return firsts[0]

    def schedule_for(self, group_name: str | None) -> LRSchedulerConfigBase | None:
        """The schedule of the group named ``group_name`` (``default`` if not listed)."""
        if group_name is not None and group_name in self.groups:
            return self.groups[group_name]
        return self.default

    def check_names(self, group_names: Sequence[str | None]) -> None:
        """Raise if a listed name matches no param group."""
        present = set(group_names)
        missing = [k for k in self.groups if k not in present]
        if missing:
            available = [n for n in group_names if n is not None]
            raise ValueError(
                f"per_group: groups {missing} match no param group; the param groups are "
                f"named {available} (set each torch param group's 'name' key)"
            )

    def has_plateau(self) -> bool:
        """Whether a child is a plateau schedule."""
        return any(
            isinstance(child, ReduceLROnPlateauConfig)
            for child in [self.default, *self.groups.values()]
        )

    @override
    def create_scheduler_impl(self, optimizer: Optimizer, length: TrainingLength) -> Any:
        """The scheduler driving every group: closed-form, or with one plateau child the
        plateau scheduler carrying the closed-form groups (several plateau children need
        :meth:`create_schedulers`)."""
        from ..runtime.dicts import build_scheduler

        return build_scheduler(self, optimizer, length)
