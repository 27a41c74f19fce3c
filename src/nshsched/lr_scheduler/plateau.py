"""``reduce_lr_on_plateau``: torch's ``ReduceLROnPlateau`` as a config, with an optional warmup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self, override

from ..config.errors import field_error
from ..duration import DurationConfig, TrainingLength
from .base import LRSchedulerConfigBase, LRSchedulerMetadata, lr_scheduler_registry

if TYPE_CHECKING:
    from torch.optim import Optimizer

    from ..runtime.plateau import PlateauScheduler
    from ..runtime.scheduler import ClosedFormLRScheduler

__all__ = ["ReduceLROnPlateauConfig"]


@lr_scheduler_registry.register
class ReduceLROnPlateauConfig(LRSchedulerConfigBase):
    """torch ``ReduceLROnPlateau``: multiply the LR by ``factor`` when ``monitor`` stalls.

    After each scheduler step (each epoch by default) the monitored metric is compared with
    the best so far; it improves when

    .. math::
        \\begin{cases}
            a < b (1 - θ) & \\text{min, rel} \\qquad a < b - θ \\quad \\text{min, abs} \\\\
            a > b (1 + θ) & \\text{max, rel} \\qquad a > b + θ \\quad \\text{max, abs}
        \\end{cases}

    where :math:`a` is the metric, :math:`b` the best value and :math:`θ` ``threshold``.
    After more than ``patience`` steps without improvement the LR of every driven group
    becomes :math:`\\max(η f, η_{min})` (skipped when it would change by ``eps`` or less),
    then ``cooldown`` steps pass without counting.

    ``warmup`` (an addition to torch): for its ``W`` *optimizer* steps the LR rises linearly
    from 0 to the group's base LR (:math:`η_0 t / W` at optimizer step :math:`t`), whatever
    the interval; metrics reported while it runs are ignored, so patience counting starts
    after the warmup. The warmup advances by itself at every optimizer step (an optimizer
    step hook; ``step_to`` seeks) and the scheduler reduces on ``step(metric)``: one
    scheduler, one Lightning dict from :meth:`create_scheduler`, and a plain loop calls only
    ``scheduler.step(metric)`` once per epoch. :func:`nshsched.preview` shows the LR before
    any reduction (warmup, then constant).

    ``monitor`` is required (the name of a logged metric). The scheduler's ``state_dict``
    holds plain Python values and restores the LRs it drives.

    Example:
        >>> import nshsched as S
        >>> cfg = S.ReduceLROnPlateauConfig(monitor="val_loss", patience=2)
        >>> cfg.resolved_metadata()["reduce_on_plateau"], cfg.resolved_metadata()["interval"]
        (True, 'epoch')
    """

    name: Literal["reduce_lr_on_plateau"] = "reduce_lr_on_plateau"
    runtime_kind: ClassVar[Literal["closed_form", "per_group", "plateau"] | None] = "plateau"
    monitor: str  # type: ignore[assignment]
    """The logged metric to watch (required), e.g. ``val_loss``."""
    mode: Literal["min", "max"] = "min"
    """``min``: the metric should decrease; ``max``: it should increase."""
    patience: Annotated[int, Field(ge=0)] = 10
    """Scheduler steps without improvement tolerated before reducing."""
    factor: Annotated[float, Field(ge=0, lt=1)] = 0.1
    """Multiplier applied to the LR at each reduction, in [0, 1)."""
    cooldown: Annotated[int, Field(ge=0)] = 0
    """Scheduler steps after a reduction during which bad steps are not counted."""
    min_lr: Annotated[float, Field(ge=0)] = 0.0
    """Lower bound of the LR (absolute, every driven group)."""
    threshold: Annotated[float, Field(ge=0)] = 1e-4
    """Minimum change that counts as an improvement."""
    threshold_mode: Literal["rel", "abs"] = "rel"
    """``rel``: ``threshold`` is relative to the best value; ``abs``: absolute."""
    eps: Annotated[float, Field(ge=0)] = 1e-8
    """A reduction smaller than this is skipped."""
    warmup: DurationConfig | None = None
    """Linear warmup from 0 to the base LR over optimizer steps; metrics during it are
    ignored."""

    @model_validator(mode="before")
    @classmethod
    def _require_monitor(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("monitor") is None:
            raise field_error(
                "monitor",
                "reduce_lr_on_plateau needs `monitor`: the name of the logged metric it watches",
                data.get("monitor"),
                "e.g. monitor: val_loss",
            )
        return data

    @model_validator(mode="after")
    def _check_frequency(self) -> Self:
        if self.interval == "step" and self.frequency is not None and self.frequency > 1:
            raise ValueError(
                f"reduce_lr_on_plateau: frequency={self.frequency} with interval='step' is not "
                "supported (the metric would be dropped between steps); use interval: epoch"
            )
        return self

    @override
    def metadata(self) -> LRSchedulerMetadata:
        """Stepped once per epoch with the monitored metric; a missing metric is an error."""
        return {
            "interval": "epoch",
            "reduce_on_plateau": True,
            "monitor": self.monitor,
            "strict": True,
        }

    @override
    def create_scheduler_impl(
        self,
        optimizer: Optimizer,
        length: TrainingLength,
        *,
        group_indices: Sequence[int] | None = None,
        companion: ClosedFormLRScheduler | None = None,
    ) -> PlateauScheduler:
        """The plateau scheduler, driving the groups ``group_indices`` (default: all), with
        a closed-form ``companion`` for the other groups (see
        :class:`~nshsched.runtime.plateau.PlateauScheduler`)."""
        from ..runtime.clock import warmup_steps
        from ..runtime.plateau import PlateauScheduler

        return PlateauScheduler(
            optimizer,
            mode=self.mode,
            factor=self.factor,
            patience=self.patience,
            threshold=self.threshold,
            threshold_mode=self.threshold_mode,
            cooldown=self.cooldown,
            min_lr=self.min_lr,
            eps=self.eps,
            warmup_steps=warmup_steps(self, length),
            group_indices=group_indices,
            companion=companion,
        )
