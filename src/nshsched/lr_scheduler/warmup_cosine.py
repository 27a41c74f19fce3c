"""Linear warmup + cosine decay: nshtrainer's, ReGNN's and DynVision's variants.

All three have their own warmup field, so the generic ``warmup`` of
:class:`ClosedFormLRSchedulerConfigBase` is removed (``warmup: ClassVar[None]``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import NonNegativeFloat, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.errors import field_error
from ..duration import TrainingLength
from .base import (
    ClosedFormLRSchedulerConfigBase,
    Count,
    LRSchedulerMetadata,
    lr_scheduler_registry,
    show_count,
    show_units,
)

__all__ = [
    "LinearWarmupCosineAnnealingLRConfig",
    "LinearWarmupCosineDecayLRSchedulerConfig",
    "WarmupCosineConfig",
]


def _check_counts(
    config: ClosedFormLRSchedulerConfigBase, warmup_name: str, total_name: str
) -> None:
    """At validation time, when both counts are in one unit: ``warmup < total``."""
    warmup: Count = getattr(config, warmup_name)
    total: Count = getattr(config, total_name)
    same = config.same_unit(warmup, total)
    if same is not None and not same[0] < same[1]:
        raise field_error(
            warmup_name,
            f"{warmup_name}={show_count(warmup)} must be < {total_name}={show_count(total)}",
            warmup,
            f"shorten {warmup_name} or lengthen {total_name}",
        )


class _WarmupCosineBase(ClosedFormLRSchedulerConfigBase):
    warmup: ClassVar[None] = None  # type: ignore[misc]  # no generic warmup here

    def _resolve(
        self, length: TrainingLength, warmup_name: str, total_name: str
    ) -> tuple[int, int]:
        """Warmup and total in scheduler steps, checked (``warmup < total``)."""
        warmup: Count = getattr(self, warmup_name)
        total: Count = getattr(self, total_name)
        w, t = self.to_units(warmup, length), self.to_units(total, length)
        if not w < t:
            raise ValueError(
                f"{type(self).__name__}: {warmup_name} ({show_units(warmup, w)}) must "
                f"be < {total_name} ({show_units(total, t)})"
            )
        return w, t


@lr_scheduler_registry.register
class LinearWarmupCosineDecayLRSchedulerConfig(_WarmupCosineBase):
    """nshtrainer's linear warmup then cosine decay, in closed form (interval ``step``).

    .. math::
        α(t) = \\begin{cases}
            a + (1 - a)\\, t / W & t < W \\\\
            m + (1 - m)\\, \\tfrac12 \\big(1 + \\cos(\\pi \\tfrac{\\min(t, M) - W}{M - W})\\big) & t \\ge W
        \\end{cases}

    where :math:`W` = ``warmup_duration``, :math:`M` = ``max_duration`` (counted from the
    start of training), :math:`a` = ``warmup_start_lr_factor``, :math:`m` =
    ``min_lr_factor``. With ``annealing=True`` there is no :math:`\\min`: after :math:`M`
    the cosine keeps going, back up to the base LR at :math:`2M - W`, and so on.

    Differs from nshtrainer: the warmup reaches the base LR at step :math:`W` exactly
    (nshtrainer reaches it at :math:`W - 1` and repeats it at :math:`W`), ``warmup_duration``
    may be 0, and nothing is carried between steps (a manual edit of ``group["lr"]`` does
    not leak into later steps).

    Example:
        >>> import nshsched as S
        >>> cfg = S.LinearWarmupCosineDecayLRSchedulerConfig(warmup_duration=2, max_duration=4)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5)).ravel().round(3).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    name: Literal["linear_warmup_cosine_decay"] = "linear_warmup_cosine_decay"

    warmup_duration: Count
    """Length of the linear warmup: scheduler steps (an ``int``) or a duration."""

    max_duration: Count
    """End of the cosine decay, counted from the start of training: scheduler steps or a
    duration. Must be greater than ``warmup_duration``."""

    warmup_start_lr_factor: NonNegativeFloat = 0.0
    """LR at step 0, as a factor of the base LR."""

    min_lr_factor: NonNegativeFloat = 0.0
    """LR at the end of the decay, as a factor of the base LR."""

    annealing: bool = False
    """Keep the cosine going after ``max_duration`` (back up to the base LR, and so on)
    instead of holding ``min_lr_factor``."""

    @model_validator(mode="after")
    def _warmup_lt_max(self) -> Self:
        _check_counts(self, "warmup_duration", "max_duration")
        return self

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """``max_duration`` (unless a fraction, or ``annealing``) should be the end of
        training."""
        return None if self.annealing else self.count_horizon("max_duration", length)

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        w, m = self._resolve(length, "warmup_duration", "max_duration")
        return F.warmup_cosine(
            w, m, start=self.warmup_start_lr_factor, end=self.min_lr_factor, periodic=self.annealing
        )


@lr_scheduler_registry.register
class WarmupCosineConfig(_WarmupCosineBase):
    """ReGNN's warmup + cosine: linear warmup from 0, cosine down to ``eta_min`` at
    ``T_max``, then ``eta_min``. Counts are in ``interval`` units (default ``epoch``).

    .. math::
        \\mathrm{lr}(t) = \\begin{cases}
            b\\, t / W & t < W \\\\
            η + (b - η)\\, \\tfrac12 \\big(1 + \\cos(\\pi \\tfrac{\\min(t, T) - W}{T - W})\\big) & t \\ge W
        \\end{cases}

    where :math:`b` is the group's base LR, :math:`W` = ``warmup_epochs``, :math:`T` =
    ``T_max`` (counted from the start of training) and :math:`η` = ``eta_min`` (absolute,
    the same for every group).

    Example:
        >>> import nshsched as S
        >>> cfg = S.WarmupCosineConfig(warmup_epochs=1, T_max=3, eta_min=0.1)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=1, total_steps=4)).ravel().round(3).tolist()
        [0.0, 1.0, 0.55, 0.1, 0.1]
    """

    name: Literal["warmup_cosine"] = "warmup_cosine"

    warmup_epochs: Count
    """Length of the warmup, in ``interval`` units (an ``int``) or a duration."""

    T_max: Count
    """End of the cosine, counted from the start of training, in ``interval`` units or a
    duration. Must be greater than ``warmup_epochs``."""

    eta_min: NonNegativeFloat = 0.0
    """The final LR (absolute)."""

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """``T_max`` (unless a fraction of training) should be the end of training."""
        return self.count_horizon("T_max", length)

    @override
    def metadata(self) -> LRSchedulerMetadata:
        return {"interval": "epoch"}

    @model_validator(mode="after")
    def _warmup_lt_max(self) -> Self:
        _check_counts(self, "warmup_epochs", "T_max")
        return self

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        w, t = self._resolve(length, "warmup_epochs", "T_max")
        return F.warmup_cosine_curve(w, t, eta_min=self.eta_min)


@lr_scheduler_registry.register
class LinearWarmupCosineAnnealingLRConfig(_WarmupCosineBase):
    """DynVision's ``LinearWarmupCosineAnnealingLR``: linear warmup from ``warmup_start_lr``
    to the base LR, cosine down to ``eta_min`` at ``max_epochs``, then ``eta_min``. Absolute
    LRs; counts in ``interval`` units (default ``epoch``).

    .. math::
        \\mathrm{lr}(t) = \\begin{cases}
            a + (b - a)\\, t / W & t < W \\\\
            η + (b - η)\\, \\tfrac12 \\big(1 + \\cos(\\pi \\tfrac{\\min(t, M) - W}{M - W})\\big) & t \\ge W
        \\end{cases}

    where :math:`b` is the group's base LR, :math:`a` = ``warmup_start_lr``, :math:`η` =
    ``eta_min``, :math:`W` = ``warmup_epochs`` and :math:`M` = ``max_epochs``.

    Differs from the usual implementation (Lightning Bolts'): the base LR is reached at
    step :math:`W` exactly (not at :math:`W - 1` and again at :math:`W`), and after
    :math:`M` the LR stays at ``eta_min`` instead of rising again.

    Example:
        >>> import nshsched as S
        >>> cfg = S.lr_scheduler_registry.construct(
        ...     {"name": "LinearWarmupCosineAnnealingLR", "warmup_epochs": 2, "max_epochs": 4,
        ...      "warmup_start_lr": 0.2})
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=1, total_steps=5)).ravel().round(3).tolist()
        [0.2, 0.6, 1.0, 0.5, 0.0, 0.0]
    """

    name: Literal["linear_warmup_cosine_annealing"] = "linear_warmup_cosine_annealing"
    aliases: ClassVar[tuple[str, ...]] = ("LinearWarmupCosineAnnealingLR",)

    warmup_epochs: Count
    """Length of the warmup, in ``interval`` units (an ``int``) or a duration."""

    max_epochs: Count
    """End of the cosine, counted from the start of training, in ``interval`` units or a
    duration. Must be greater than ``warmup_epochs``."""

    warmup_start_lr: NonNegativeFloat = 0.0
    """The LR at step 0 (absolute)."""

    eta_min: NonNegativeFloat = 0.0
    """The final LR (absolute)."""

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """``max_epochs`` (unless a fraction of training) should be the end of training."""
        return self.count_horizon("max_epochs", length)

    @override
    def metadata(self) -> LRSchedulerMetadata:
        return {"interval": "epoch"}

    @model_validator(mode="after")
    def _warmup_lt_max(self) -> Self:
        _check_counts(self, "warmup_epochs", "max_epochs")
        return self

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        w, m = self._resolve(length, "warmup_epochs", "max_epochs")
        return F.warmup_cosine_curve(
            w, m, warmup_start_lr=self.warmup_start_lr, eta_min=self.eta_min
        )
