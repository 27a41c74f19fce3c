"""Configs mirroring timm's LR schedulers (``timm.scheduler``), as closed forms (the step
decays, ``timm_step`` and ``timm_multistep``, are in :mod:`.timm_steps`).

Field names and defaults are timm 1.0's keywords. ``t_in_epochs`` sets the interval, as in
timm: ``True`` (default) counts every ``t`` (``t_initial``, ``warmup_t``, ``decay_t``) in
epochs, ``False`` in optimizer updates; ``interval`` given alone sets ``t_in_epochs`` the same
way (the two given together must agree). Counts also accept a duration (converted to that
unit once, when the scheduler is created). ``lr_min`` and ``warmup_lr_init`` are absolute
learning rates, the same for every param group, as in timm. Each config produces, step for
step, the learning rates of the timm class it mirrors when timm is stepped the way its
training script steps it (``step(epoch + 1)`` after each epoch, ``step_update(updates)``
after each optimizer update).

timm's noise arguments (``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_seed``,
``noise_type``) and ``initialize`` are refused: nshsched schedules are deterministic closed
forms of the step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import Field, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.base import MAX_MAGNITUDE
from ..config.moved import moved_to
from ..duration import DurationConfig, TrainingLength
from ..loading.quote import quote
from .base import (
    ClosedFormLRSchedulerConfigBase,
    Count,
    LRSchedulerMetadata,
    lr_scheduler_registry,
)

__all__ = [
    "TimmCosineConfig",
    "TimmPolyConfig",
    "TimmTanhConfig",
]

_LR: TypeAlias = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_POSITIVE: TypeAlias = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_PositiveCount: TypeAlias = Annotated[int, Field(ge=1)] | DurationConfig

_REFUSED = {
    "noise_range_t": "noise is not supported (nshsched schedules are deterministic closed forms)",
    "noise_pct": "noise is not supported (nshsched schedules are deterministic closed forms)",
    "noise_std": "noise is not supported (nshsched schedules are deterministic closed forms)",
    "noise_seed": "noise is not supported (nshsched schedules are deterministic closed forms)",
    "noise_type": "noise is not supported (nshsched schedules are deterministic closed forms)",
    "initialize": "nshsched always starts from each group's configured lr",
    "warmup": "timm schedules have their own warmup: use warmup_t (and warmup_lr_init)",
}


class _TimmConfigBase(ClosedFormLRSchedulerConfigBase):
    """What every timm mirror shares: ``t_in_epochs`` and timm's warmup."""

    warmup: ClassVar[None] = None  # type: ignore[misc]  # timm's own warmup_t instead

    t_in_epochs: bool = True
    """``True``: ``t`` counts epochs (interval ``epoch``); ``False``: optimizer updates
    (interval ``step``). Given alone, ``interval`` sets it (``interval: step`` means
    ``t_in_epochs: false``); both given must agree."""

    warmup_t: Count = 0
    """Warmup length in ``t`` units (or a duration); 0: no warmup."""

    warmup_lr_init: _LR = 0.0
    """LR at ``t = 0`` of the warmup, absolute (the same for every group)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_timm_only(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            tag = cls.model_fields["name"].default
            for key, why in _REFUSED.items():
                if key in data:
                    raise ValueError(f"{tag}: {key}={quote(data[key])} is not accepted: {why}")
        return data

    @model_validator(mode="after")
    def _interval_matches_t_in_epochs(self) -> Self:
        if self.interval is None:
            return self
        if "t_in_epochs" not in self.model_fields_set:
            # ``interval`` given alone sets ``t_in_epochs`` (written past assignment
            # validation: the value follows from a field already validated)
            self.__dict__["t_in_epochs"] = self.interval == "epoch"
            return self
        implied = "epoch" if self.t_in_epochs else "step"
        if self.interval != implied:
            raise ValueError(
                f"interval={self.interval!r} contradicts t_in_epochs={self.t_in_epochs} "
                f"(which means interval {implied!r}): give one of them"
            )
        return self

    @override
    def metadata(self) -> LRSchedulerMetadata:
        """``t_in_epochs`` decides: ``epoch`` (default) or ``step``."""
        return {"interval": "epoch" if self.t_in_epochs else "step"}

    def units(self, field: str, length: TrainingLength, minimum: int = 0) -> int:
        """Field ``field`` (a count or a duration) in ``t`` units, at least ``minimum``."""
        value = getattr(self, field)
        n = self.to_units(value, length)
        if n < minimum:
            raise ValueError(
                f"{type(self).__name__}.{field}={value!r} is {n} {self.metadata()['interval']}s "
                f"for {length!r}; it must be at least {minimum}"
            )
        return n


class _TimmCycleConfigBase(_TimmConfigBase):
    """The cycling timm schedules (cosine, tanh, poly)."""

    t_initial: _PositiveCount
    """Length of the first cycle in ``t`` units (or a duration)."""

    lr_min: _LR = 0.0
    """The LR at the end of each cycle and after the last one, absolute."""

    cycle_mul: _POSITIVE = 1.0
    """Each cycle is ``cycle_mul`` times as long as the previous one."""

    cycle_decay: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 1.0
    """Each cycle's peak is ``cycle_decay`` times the previous one's."""

    cycle_limit: Annotated[int, Field(ge=0)] = 1
    """Number of cycles; after them the LR stays at ``lr_min``."""

    warmup_prefix: bool = False
    """``True``: the cycles start after the warmup; ``False`` (timm's default): they run
    from ``t = 0``, the warmup overriding their first ``warmup_t`` steps."""

    def cycle_kwargs(self, length: TrainingLength) -> dict[str, Any]:
        """The arguments of :func:`nshsched.functional.timm_cycle_curve`, in ``t`` units.

        Raises:
            ValueError: A ``cycle_decay`` above 1 would grow a peak past any meaningful
                learning rate within this training.
        """
        t_initial = self.units("t_initial", length, minimum=1)
        if self.cycle_decay > 1 and self.cycle_limit > 1:
            warmup = self.units("warmup_t", length) if self.warmup_prefix else 0
            last = F.timm_cycle_index(
                max(0, self.total_units(length) - warmup), t_initial, self.cycle_mul
            )
            n = min(last, self.cycle_limit - 1)
            try:
                peak = self.cycle_decay**n
            except OverflowError:
                peak = math.inf
            if not peak <= MAX_MAGNITUDE:
                raise ValueError(
                    f"{type(self).__name__}.cycle_decay={self.cycle_decay} multiplies the peak of "
                    f"cycle {n} by {self.cycle_decay}**{n} = {peak:.3g} within this training: "
                    f"more than {MAX_MAGNITUDE:.0e}; lower cycle_decay or cycle_limit"
                )
        return {
            "t_initial": t_initial,
            "lr_min": self.lr_min,
            "cycle_mul": self.cycle_mul,
            "cycle_decay": self.cycle_decay,
            "cycle_limit": self.cycle_limit,
            "warmup_t": self.units("warmup_t", length),
            "warmup_lr_init": self.warmup_lr_init,
            "warmup_prefix": self.warmup_prefix,
        }


@lr_scheduler_registry.register
class TimmCosineConfig(_TimmCycleConfigBase):
    """timm ``CosineLRScheduler``: cosine cycles from each group's LR down to ``lr_min``.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (η_0 - w_0)\\, t / W & t < W \\\\
            η_{min} + (γ^i η_0 - η_{min})\\, \\tfrac12 \\big(1 + \\cos(\\pi u_i^k / T_i^k)\\big)
                & i < L \\\\
            η_{min} & i \\ge L
        \\end{cases}

    where :math:`W` = ``warmup_t``, :math:`w_0` = ``warmup_lr_init``, :math:`η_0` the
    group's base LR, :math:`η_{min}` = ``lr_min``, :math:`γ` = ``cycle_decay``, :math:`L` =
    ``cycle_limit``, :math:`k` = ``k_decay``; cycle :math:`i` of length
    :math:`T_i = m^i T` (:math:`T` = ``t_initial``, :math:`m` = ``cycle_mul``) and
    :math:`u_i` the steps since it began, counted from :math:`t - W` with
    ``warmup_prefix``, else from :math:`t`.

    Differs from timm: noise arguments are refused; with ``cycle_mul < 1``, past the end of
    the shrinking cycles the LR is ``lr_min`` (timm raises a math domain error).

    References:
        Loshchilov & Hutter, SGDR (2017); Zhang & Li, k-decay (2020).

    Example:
        >>> import nshsched as S
        >>> cfg = S.TimmCosineConfig(t_initial=4, lr_min=0.1, t_in_epochs=False)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5))[:, 0].round(4).tolist()
        [1.0, 0.8682, 0.55, 0.2318, 0.1, 0.1]
    """

    name: Literal["timm_cosine"] = "timm_cosine"

    k_decay: _POSITIVE = 1.0
    """k-decay exponent applied to the position in the cycle (1: a plain cosine)."""

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        return F.timm_cycle_curve("cosine", k_decay=self.k_decay, **self.cycle_kwargs(length))


@lr_scheduler_registry.register
class TimmTanhConfig(_TimmCycleConfigBase):
    """timm ``TanhLRScheduler``: hyperbolic-tangent decay cycles down to ``lr_min``.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (g - w_0)\\, t / W & t < W \\\\
            η_{min} + (γ^i η_0 - η_{min})\\, \\tfrac12 \\big(1 - \\tanh(l (1 - r) + h r)\\big)
                & i < L, \\ r = u_i / T_i \\\\
            η_{min} & i \\ge L
        \\end{cases}

    with the symbols of ``timm_cosine``, :math:`l, h` = ``lb``, ``ub``, and the warmup's
    target :math:`g` = :math:`η_0` with ``warmup_prefix``, else (timm's default) the tanh
    curve's own value at :math:`t = W`, so the warmup meets the curve without a jump.
    Without a warmup, :math:`lr(0) = η_0` (timm's LR before its first step), slightly above
    the curve's value there.

    Differs from timm: noise arguments are refused.

    References:
        Hsueh et al., Stochastic Gradient Descent with Hyperbolic-Tangent Decay (2019).
    """

    name: Literal["timm_tanh"] = "timm_tanh"

    lb: Annotated[float, Field(allow_inf_nan=False)] = -7.0
    """Lower bound of the tanh argument (at the start of a cycle)."""

    ub: Annotated[float, Field(allow_inf_nan=False)] = 3.0
    """Upper bound of the tanh argument (at the end of a cycle); must exceed ``lb``."""

    @model_validator(mode="after")
    def _lb_lt_ub(self) -> Self:
        if not self.lb < self.ub:
            raise ValueError(f"lb must be < ub, got lb={self.lb}, ub={self.ub}")
        return self

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        return F.timm_cycle_curve("tanh", lb=self.lb, ub=self.ub, **self.cycle_kwargs(length))


@lr_scheduler_registry.register
class TimmPolyConfig(_TimmCycleConfigBase):
    """timm ``PolyLRScheduler``: polynomial decay cycles down to ``lr_min``.

    .. math::
        lr(t) = \\begin{cases}
            w_0 + (η_0 - w_0)\\, t / W & t < W \\\\
            η_{min} + (γ^i η_0 - η_{min})\\, (1 - u_i^k / T_i^k)^p & i < L \\\\
            η_{min} & i \\ge L
        \\end{cases}

    with the symbols of ``timm_cosine`` and :math:`p` = ``power`` (timm's default 0.5,
    a square-root decay).

    Differs from timm: noise arguments are refused.
    """

    name: Literal["timm_poly"] = "timm_poly"

    power: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.5
    """Exponent of the decay (1: linear)."""

    k_decay: _POSITIVE = 1.0
    """k-decay exponent applied to the position in the cycle."""

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        return F.timm_cycle_curve(
            "poly", power=self.power, k_decay=self.k_decay, **self.cycle_kwargs(length)
        )


# Moved in the third release; the old path still imports them (class_path, _target_).
__getattr__ = moved_to(__name__, {"TimmMultiStepConfig", "TimmStepConfig"})
