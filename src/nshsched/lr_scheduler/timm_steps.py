"""timm's step decays (``StepLRScheduler``, ``MultiStepLRScheduler``) as closed forms, with
the fields, defaults and ``t`` units of :mod:`.timm_mirrors`."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..duration import DurationConfig, TrainingLength
from .base import lr_scheduler_registry, show_count
from .timm_mirrors import _POSITIVE, _TimmConfigBase

__all__ = ["TimmMultiStepConfig", "TimmStepConfig"]


@lr_scheduler_registry.register
class TimmStepConfig(_TimmConfigBase):
    """timm ``StepLRScheduler``: multiply by ``decay_rate`` every ``decay_t``.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (η_0 - w_0)\\, t / W & t < W \\\\
            η_0\\, r^{\\lfloor u / d \\rfloor} & t \\ge W
        \\end{cases}

    where :math:`r` = ``decay_rate``, :math:`d` = ``decay_t`` (may be fractional) and
    :math:`u = t - W` with ``warmup_prefix`` (timm's default here), else :math:`u = t`.

    Differs from timm: noise arguments are refused.
    """

    name: Literal["timm_step"] = "timm_step"

    decay_t: _POSITIVE | DurationConfig
    """Period of the decay in ``t`` units (a float, as timm) or a duration."""

    decay_rate: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 1.0
    """Factor applied every ``decay_t``."""

    warmup_prefix: bool = True
    """``True`` (timm's default here): the decay counts from the end of the warmup."""

    @override
    def growth_fields(self) -> dict[str, float]:
        """``decay_rate`` above 1 compounds."""
        return {"decay_rate": self.decay_rate} if self.decay_rate > 1 else {}

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        decay_t = self.decay_t
        if isinstance(decay_t, int | float):
            period = float(decay_t)
        else:
            period = float(self.units("decay_t", length, minimum=1))
        return F.timm_step_curve(
            period,
            self.decay_rate,
            warmup_t=self.units("warmup_t", length),
            warmup_lr_init=self.warmup_lr_init,
            warmup_prefix=self.warmup_prefix,
        )


@lr_scheduler_registry.register
class TimmMultiStepConfig(_TimmConfigBase):
    """timm ``MultiStepLRScheduler``: multiply by ``decay_rate`` at each milestone.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (η_0 - w_0)\\, t / W & t < W \\\\
            η_0\\, r^{\\#\\{j : m_j \\le u + 1\\}} & t \\ge W
        \\end{cases}

    where :math:`m_j` are the milestones ``decay_t`` and :math:`u` as in ``timm_step``.

    Differs from torch's ``multi_step_lr`` (not from timm): as in timm, milestone
    :math:`m` takes effect at :math:`u = m - 1`, one step earlier than torch's.
    """

    name: Literal["timm_multistep"] = "timm_multistep"

    decay_t: list[Annotated[int, Field(ge=0)] | DurationConfig]
    """Milestones in ``t`` units (or durations), sorted."""

    decay_rate: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 1.0
    """Factor applied at each milestone."""

    warmup_prefix: bool = True
    """``True`` (timm's default here): milestones count from the end of the warmup."""

    @override
    def growth_fields(self) -> dict[str, float]:
        """``decay_rate`` above 1 compounds."""
        return {"decay_rate": self.decay_rate} if self.decay_rate > 1 else {}

    @model_validator(mode="after")
    def _sorted(self) -> Self:
        # Checked now when they are in one unit (ints, or durations of one kind).
        same = self.same_unit(*self.decay_t)
        values = same if same is not None else [m for m in self.decay_t if isinstance(m, int)]
        if any(b < a for a, b in itertools.pairwise(values)):
            shown = ", ".join(show_count(m) for m in self.decay_t)
            raise ValueError(f"decay_t must be sorted, got [{shown}]")
        return self

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        marks = [self.to_units(m, length) for m in self.decay_t]
        if any(b < a for a, b in itertools.pairwise(marks)):
            shown = ", ".join(show_count(m) for m in self.decay_t)
            raise ValueError(
                f"TimmMultiStepConfig.decay_t=[{shown}] are {marks} scheduler steps for "
                f"{length.total_steps} optimizer steps ({length.steps_per_epoch} per epoch): "
                "they must be sorted"
            )
        return F.timm_multistep_curve(
            marks,
            self.decay_rate,
            warmup_t=self.units("warmup_t", length),
            warmup_lr_init=self.warmup_lr_init,
            warmup_prefix=self.warmup_prefix,
        )
