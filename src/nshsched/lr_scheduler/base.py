"""Scheduler configs: the base class, Lightning metadata, and the closed-form base."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field, PositiveInt
from typing_extensions import NotRequired, Required, TypedDict

from .. import functional as F
from ..config import Config
from ..duration import DurationConfig, TrainingLength, round_steps
from ..registry import Registry

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = [
    "ClosedFormLRSchedulerConfigBase",
    "Count",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "lr_scheduler_registry",
]

Interval: TypeAlias = Literal["step", "epoch"]

Count: TypeAlias = Annotated[int, Field(ge=0)] | DurationConfig
"""A count of scheduler steps (one per ``interval``), or a duration converted to them."""

_METADATA_KEYS = ("interval", "frequency", "monitor", "reduce_on_plateau", "strict", "name")


class LRSchedulerMetadata(TypedDict, total=False):
    """How Lightning steps a scheduler (the keys of its ``lr_scheduler`` dict)."""

    interval: Required[Interval]
    """``"step"``: after every optimizer step; ``"epoch"``: after every epoch."""
    frequency: NotRequired[int]
    """Advance once every ``frequency`` intervals."""
    monitor: NotRequired[str]
    """The logged metric a plateau scheduler watches."""
    reduce_on_plateau: NotRequired[bool]
    """Whether ``step`` takes the monitored metric."""
    strict: NotRequired[bool]
    """Whether a missing monitored metric is an error (else a warning)."""
    name: NotRequired[str]
    """The name ``LearningRateMonitor`` logs the scheduler under."""


class LRSchedulerConfigBase(Config):
    """Base class of every LR scheduler config.

    A subclass declares ``name: Literal["tag"] = "tag"``, its fields, :meth:`metadata` (how
    Lightning steps it) and :meth:`create_scheduler_impl` (the torch scheduler), and is
    registered with ``@lr_scheduler_registry.register``.
    """

    interval: Interval | None = None
    """Override: step the scheduler after every ``"step"`` (optimizer step) or ``"epoch"``."""

    frequency: PositiveInt | None = None
    """Override: advance once every ``frequency`` intervals (for ``interval: step`` counted in
    optimizer steps and applied by nshsched, so gradient accumulation cannot skew it)."""

    monitor: str | None = None
    """Override: the logged metric this scheduler watches (plateau schedulers)."""

    # ------------------------------------------------------------------ metadata

    @abstractmethod
    def metadata(self) -> LRSchedulerMetadata:
        """How Lightning steps this scheduler when no override is set."""

    def resolved_metadata(self) -> LRSchedulerMetadata:
        """:meth:`metadata` with this config's ``interval``/``frequency``/``monitor`` overrides."""
        md = LRSchedulerMetadata(**self.metadata())  # type: ignore[typeddict-item]
        if self.interval is not None:
            md["interval"] = self.interval
        if self.frequency is not None:
            md["frequency"] = self.frequency
        if self.monitor is not None:
            md["monitor"] = self.monitor
        unknown = set(md) - set(_METADATA_KEYS)
        if unknown:
            raise ValueError(f"{type(self).__name__}.metadata() has unknown keys {sorted(unknown)}")
        if md.get("interval") not in ("step", "epoch"):
            raise ValueError(
                f"{type(self).__name__}: interval must be 'step' or 'epoch', "
                f"got {md.get('interval')!r}"
            )
        if md.get("reduce_on_plateau") and not md.get("monitor"):
            raise ValueError(
                f"{type(self).__name__}: a plateau scheduler needs `monitor` "
                "(the name of a logged metric, e.g. monitor: val_loss)"
            )
        return md

    def steps_per_unit(self, length: TrainingLength) -> int:
        """Optimizer steps between two scheduler steps (``frequency`` intervals)."""
        md = self.resolved_metadata()
        frequency = md.get("frequency", 1)
        if md["interval"] == "step":
            return frequency
        return length.steps_per_epoch * frequency

    def to_units(self, count: int | DurationConfig, length: TrainingLength) -> int:
        """A count in scheduler steps: an ``int`` is one already; a duration is converted
        from optimizer steps (rounded to the nearest scheduler step, halves up)."""
        if isinstance(count, int):
            return count
        return round_steps(count.to_steps(length) / self.steps_per_unit(length))

    def total_units(self, length: TrainingLength) -> int:
        """The whole training in scheduler steps (a partial last one counts)."""
        return max(1, math.ceil(length.total_steps / self.steps_per_unit(length)))

    def preview_curves(
        self, length: TrainingLength, group_names: Sequence[str | None]
    ) -> list[F.LRCurve | None] | None:
        """Each group's LR over optimizer steps in closed form, for :func:`nshsched.preview`;
        ``None`` when there is none (preview then steps the real scheduler)."""
        return None

    # ------------------------------------------------------------------ building

    @abstractmethod
    def create_scheduler_impl(self, optimizer: Optimizer, length: TrainingLength) -> Any:
        """Build the torch scheduler (or a Lightning scheduler dict) for ``optimizer``."""

    def create_scheduler(
        self, optimizer: Optimizer, lightning_module_or_length: Any
    ) -> dict[str, Any]:
        """Build the scheduler and return Lightning's ``lr_scheduler`` dict.

        Args:
            optimizer: The optimizer to drive.
            lightning_module_or_length: A :class:`TrainingLength`, or a ``LightningModule``
                attached to a trainer (the length is read from the trainer).

        Returns:
            ``{"scheduler", "interval", "frequency", ...}`` with ``monitor``,
            ``reduce_on_plateau``, ``strict`` and ``name`` where they apply. For
            ``interval: step`` the frequency is applied inside the scheduler and Lightning is
            given ``frequency: 1``.
        """
        from .lightning_dict import build_scheduler_dict

        return build_scheduler_dict(self, optimizer, lightning_module_or_length)

    def create_schedulers(
        self, optimizer: Optimizer, lightning_module_or_length: Any
    ) -> list[dict[str, Any]]:
        """Every Lightning ``lr_scheduler`` dict this config needs: ``[create_scheduler(...)]``.

        A config that must be stepped on two rhythms at once (``per_group`` mixing closed-form
        groups with ``reduce_lr_on_plateau`` groups) returns one dict per rhythm.
        """
        return [self.create_scheduler(optimizer, lightning_module_or_length)]


class ClosedFormLRSchedulerConfigBase(LRSchedulerConfigBase):
    """Base class of schedules that are a closed form of the step.

    Subclass it and implement :meth:`multiplier` (the factor applied to each group's base
    LR); the torch scheduler, :func:`nshsched.preview`, ``warmup``, ``sequential`` phases and
    exact resume then all work. Built-in schedules implement :meth:`schedule` instead, which
    resolves durations once and returns a fast function.
    """

    warmup: DurationConfig | None = None
    """Linear warmup joined in front: for ``W`` steps the LR rises from 0 to this schedule's
    value at its step 0, then the schedule runs on step ``t - W`` with a training length
    shortened by ``W``."""

    def metadata(self) -> LRSchedulerMetadata:
        """Closed-form schedules are stepped after every optimizer step by default."""
        return {"interval": "step"}

    # ------------------------------------------------------------------ the closed form

    def multiplier(self, step: F.Step, length: TrainingLength) -> Any:
        """The factor applied to each group's base LR at scheduler step ``step``.

        ``step`` is an ``int`` or a numpy integer array (answer element-wise). With the
        default ``interval: step`` and ``frequency: 1`` it is the optimizer step. ``length``
        is the training length in optimizer steps; :meth:`to_units` converts durations.
        """
        if type(self).schedule is ClosedFormLRSchedulerConfigBase.schedule:
            raise NotImplementedError(
                f"{type(self).__name__} must implement multiplier(step, length) or schedule(length)"
            )
        return self.schedule(length)(step)

    def schedule(self, length: TrainingLength) -> F.Schedule:
        """The multiplier as a function of the scheduler step, durations resolved once."""
        if type(self).multiplier is ClosedFormLRSchedulerConfigBase.multiplier:
            raise NotImplementedError(
                f"{type(self).__name__} must implement multiplier(step, length) or schedule(length)"
            )

        def schedule(step: F.Step) -> Any:
            return self.multiplier(step, length)

        return schedule

    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        """This schedule as an LR curve, without the generic warmup. Schedules with absolute
        LRs (an ``eta_min``, a ``max_lr``) override this to add an offset."""
        return F.LRCurve(self.schedule(length))

    def unit_curve(self, length: TrainingLength) -> F.LRCurve:
        """The LR curve over scheduler steps, with the generic ``warmup`` joined in front."""
        warmup = getattr(self, "warmup", None)
        if warmup is None:
            return self.lr_curve(length)
        w_units = self.to_units(warmup, length)
        w_steps = w_units * self.steps_per_unit(length)
        rest = TrainingLength(
            steps_per_epoch=length.steps_per_epoch,
            total_steps=max(1, length.total_steps - w_steps),
        )
        return F.warmup_curve(self.lr_curve(rest), w_units)

    def step_curve(self, length: TrainingLength) -> F.LRCurve:
        """The LR curve over optimizer steps, as Lightning steps it (``interval`` and
        ``frequency`` included): what :func:`nshsched.preview` shows."""
        n = self.steps_per_unit(length)
        return self.unit_curve(length).map(lambda s: F.every(s, n))

    def group_curves(
        self,
        length: TrainingLength,
        group_names: Sequence[str | None],
        *,
        domain: Literal["step", "unit"],
    ) -> list[F.LRCurve | None]:
        """One curve per param group (``None``: constant). ``domain="step"``: over optimizer
        steps; ``"unit"``: over scheduler steps. Per-group configs override this."""
        curve = self.step_curve(length) if domain == "step" else self.unit_curve(length)
        return [curve] * len(group_names)

    def preview_curves(
        self, length: TrainingLength, group_names: Sequence[str | None]
    ) -> list[F.LRCurve | None] | None:
        """The curves over optimizer steps: see :meth:`group_curves`."""
        return self.group_curves(length, group_names, domain="step")

    def create_scheduler_impl(self, optimizer: Optimizer, length: TrainingLength) -> Any:
        """The closed-form torch scheduler driving every group of ``optimizer``."""
        from ._runtime import ClosedFormLRScheduler

        names = [group.get("name") for group in optimizer.param_groups]
        md = self.resolved_metadata()
        # For interval "epoch" Lightning applies the frequency; for "step" nshsched does.
        every = md.get("frequency", 1) if md["interval"] == "step" else 1
        curves = self.group_curves(length, names, domain="unit")
        return ClosedFormLRScheduler(optimizer, curves, every=every)


lr_scheduler_registry: Registry[LRSchedulerConfigBase] = Registry(LRSchedulerConfigBase)  # type: ignore[type-abstract]
"""Every LR scheduler config, by its ``name`` tag."""

LRSchedulerConfig: TypeAlias = Annotated[LRSchedulerConfigBase, lr_scheduler_registry]
"""A field accepting any registered scheduler config."""
