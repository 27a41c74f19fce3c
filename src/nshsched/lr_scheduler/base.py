"""Scheduler configs: the base class, Lightning metadata, and the closed-form base."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import Field, PositiveInt
from typing_extensions import NotRequired, Required, TypedDict

from .. import functional as F
from ..config.base import Config
from ..config.registry import Registry
from ..duration import DurationConfig, TrainingLength, round_steps

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = [
    "ClosedFormLRSchedulerConfigBase",
    "Count",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "lr_scheduler_registry",
    "show_count",
    "show_units",
]

Interval: TypeAlias = Literal["step", "epoch"]

Count: TypeAlias = Annotated[int, Field(ge=0)] | DurationConfig
"""A count of scheduler steps (one per ``interval``), or a duration converted to them."""


def show_count(count: int | DurationConfig | None) -> str:
    """A count as a config file writes it: ``10``, ``{kind: fraction, value: 0.1}``."""
    if count is None or isinstance(count, int):
        return str(count)
    return f"{{kind: {count.kind}, value: {count.value:g}}}"


def show_units(count: int | DurationConfig | None, units: int) -> str:
    """A count resolved to ``units`` scheduler steps, for a message: ``5 scheduler steps``,
    ``{kind: fraction, value: 0.5} = 5 scheduler steps``; an unset total (``None``) is
    ``the whole training: 1000 scheduler steps``."""
    if count is None:
        return f"the whole training: {units} scheduler steps"
    if isinstance(count, int):
        return f"{units} scheduler steps"
    return f"{show_count(count)} = {units} scheduler steps"


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

    runtime_kind: ClassVar[Literal["closed_form", "per_group", "plateau"] | None] = None
    """How nshsched's runtime runs this config; ``None``: by the user's
    :meth:`create_scheduler_impl`."""

    interval: Interval | None = None
    """Override: step the scheduler after every ``"step"`` (optimizer step) or ``"epoch"``."""

    frequency: PositiveInt | None = None
    """Override: advance once every ``frequency`` intervals (for ``interval: step`` counted in
    optimizer steps and applied by nshsched, so gradient accumulation cannot skew it)."""

    monitor: str | None = None
    """Override: the logged metric this scheduler watches (plateau schedulers)."""

    on_resume_change: Literal["error", "continue", "rescale"] = "error"
    """What loading a scheduler state saved under a different resolved schedule does (an
    edited config, or a fraction-based schedule under a new training length): ``error``
    raises naming what changed; ``continue`` keeps the step and uses the new schedule (the
    LR may jump); ``rescale`` keeps the fraction of training done (new step = old step ×
    new total / old total, rounded half up). Not part of the schedule's fingerprint."""

    horizon_check: Literal["warn", "error", "off"] = "warn"
    """What to do when this schedule's decay ends before or after the end of training (e.g.
    ``cosine_annealing_lr`` with ``T_max`` 10 epochs in a 20-epoch run climbs back up):
    warn (once per scheduler creation), raise, or nothing. Not part of the fingerprint."""

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

    def same_unit(self, *counts: int | DurationConfig) -> list[float] | None:
        """``counts`` as numbers in one unit, when comparing them needs no training length:
        all ``int`` (scheduler steps), all durations of one kind, or ``int`` counts beside
        ``steps`` (``epochs``) durations when one scheduler step is one optimizer step
        (epoch): ``frequency`` 1 and ``interval`` step (epoch). ``None`` otherwise.

        What lets a rule between two counts (a warmup within its total) be checked when
        the config is validated rather than when it is built.
        """
        kinds = {"int" if isinstance(c, int) else c.kind for c in counts}
        if len(kinds) == 2 and "int" in kinds:
            md = self.metadata()
            interval, frequency = self.interval or md["interval"], self.frequency or 1
            as_int = {"step": "steps", "epoch": "epochs"}[interval] if frequency == 1 else None
            if kinds != {"int", as_int}:
                return None
        elif len(kinds) != 1:
            return None
        return [float(c) if isinstance(c, int) else float(c.value) for c in counts]

    def to_units(self, count: int | DurationConfig, length: TrainingLength) -> int:
        """A count in scheduler steps: an ``int`` is one already; a duration is converted
        from optimizer steps (rounded to the nearest scheduler step, halves up)."""
        if isinstance(count, int):
            return count
        return round_steps(count.to_steps(length) / self.steps_per_unit(length))

    def total_units(self, length: TrainingLength) -> int:
        """The whole training in scheduler steps: what ``{kind: fraction, value: 1.0}``
        resolves to (:meth:`to_units`: rounded to the nearest scheduler step, halves up),
        at least 1 — a default "whole training" and a fraction of 1.0 are one schedule."""
        return max(1, round_steps(length.total_steps / self.steps_per_unit(length)))

    def absolute_lr(self) -> float | None:
        """The first LR of a schedule whose learning rates are all absolute from step 0 on
        (so the optimizer's ``lr`` sets none of them: ``step_decay`` and
        ``exponential_decay`` whose first interval starts at 0); ``None`` for a schedule
        that uses the base LR."""
        return None

    def growth_fields(self) -> dict[str, float]:
        """The fields whose values make this schedule grow step after step (a factor above
        1, compounded), by path: what an error names when a value overflows within the
        training (``{"gamma": 1.5}`` for ``exponential_lr``). Empty for schedules that do
        not grow."""
        return {}

    def uses_total(self) -> bool:
        """Whether the schedule depends on the training's total length other than through
        durations (a default "whole training"). Part of the resume fingerprint: a schedule
        that does not is resumed silently under a longer or shorter run. Classes defined
        outside nshsched are assumed to (their ``multiplier`` sees the whole length)."""
        return not type(self).__module__.startswith("nshsched.")

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

            A plateau schedule's dict is its per-epoch metric dict; what moves at every
            optimizer step beside it (its warmup, the closed-form groups of a ``per_group``
            config, scheduled hyperparameters) moves by itself through an optimizer step hook.

        Raises:
            ValueError: A ``per_group`` config with several plateau schedules, each stepped
                with its own metric: use :meth:`create_schedulers`.
        """
        specs = self.create_schedulers(optimizer, lightning_module_or_length)
        if len(specs) != 1:
            raise ValueError(
                f"{type(self).__name__} needs {len(specs)} Lightning scheduler dicts (several "
                "plateau schedules, each stepped with its own metric): use "
                "create_schedulers(optimizer, lightning_module_or_length)"
            )
        return specs[0]

    def create_schedulers(
        self, optimizer: Optimizer, lightning_module_or_length: Any
    ) -> list[dict[str, Any]]:
        """Every Lightning ``lr_scheduler`` dict this config needs: one, except for a
        ``per_group`` config with several plateau schedules (one dict for its closed-form
        groups, then one per plateau schedule, each stepped with its own metric).
        """
        from ..duration import resolve_length
        from ..runtime.dicts import scheduler_dicts

        return scheduler_dicts(self, optimizer, resolve_length(lightning_module_or_length))


class ClosedFormLRSchedulerConfigBase(LRSchedulerConfigBase):
    """Base class of schedules that are a closed form of the step.

    Subclass it and implement :meth:`multiplier` (the factor applied to each group's base
    LR); the torch scheduler, :func:`nshsched.preview`, ``warmup``, ``sequential`` phases and
    exact resume then all work. Built-in schedules implement :meth:`schedule` instead, which
    resolves durations once and returns a fast function.
    """

    runtime_kind: ClassVar[Literal["closed_form", "per_group", "plateau"] | None] = "closed_form"

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
        """This schedule as a curve over its own scheduler steps, without the generic
        warmup. Schedules with absolute LRs (an ``eta_min``, a ``max_lr``) override this to
        add an offset."""
        return F.LRCurve(self.schedule(length))

    def group_lr_curves(self, length: TrainingLength, count: int) -> list[F.LRCurve]:
        """The curves of ``count`` param groups driven by this schedule: :meth:`lr_curve` for
        each, unless the config has per-group values (a list ``max_lr``)."""
        return [self.lr_curve(length)] * count

    def generic_warmup(self) -> DurationConfig | None:
        """The warmup the clock joins in front (``None`` for schedules whose warmup is part
        of their own formula)."""
        return self.warmup

    def horizon_units(self, length: TrainingLength) -> int | None:
        """Where this schedule's decay ends, in its scheduler steps counted after the
        generic warmup, when that is meant to be the end of training (``None``: not
        checked). See ``horizon_check``."""
        return None

    def count_horizon(self, field: str, length: TrainingLength) -> int | None:
        """:meth:`horizon_units` for a decay ending at the count in ``field`` (unchecked
        when it is unset or a fraction of training)."""
        from ..duration import FractionConfig

        value = getattr(self, field)
        if value is None or isinstance(value, FractionConfig):
            return None
        return self.to_units(value, length)

    def create_scheduler_impl(self, optimizer: Optimizer, length: TrainingLength) -> Any:
        """The closed-form torch scheduler driving every group of ``optimizer``."""
        from ..runtime.dicts import build_scheduler

        return build_scheduler(self, optimizer, length)


lr_scheduler_registry: Registry[LRSchedulerConfigBase] = Registry(
    LRSchedulerConfigBase,  # type: ignore[type-abstract]
    builtins="nshsched.lr_scheduler",
)
"""Every LR scheduler config, by its ``name`` tag."""

LRSchedulerConfig: TypeAlias = Annotated[LRSchedulerConfigBase, lr_scheduler_registry]
"""A field accepting any registered scheduler config."""
lr_scheduler_registry.public_type(LRSchedulerConfig, "LRSchedulerConfig")
