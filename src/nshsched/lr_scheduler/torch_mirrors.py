"""Configs mirroring torch's epoch-based LR schedulers, as closed forms.

Field names and defaults are torch 2.13's keywords. Integer counts keep torch's meaning:
scheduler steps, one per ``interval`` (default ``epoch``); every count also accepts a
duration (``{kind: epochs|steps|fraction, value}``), converted to scheduler steps once, when
the scheduler is created. Each config produces, step for step, the learning rates of the
torch class it mirrors, for every param group. The per-batch mirrors ``one_cycle_lr`` and
``cyclic_lr`` live in :mod:`nshsched.lr_scheduler.torch_cyclic`.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal, TypeAlias

from pydantic import Field, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..duration import DurationConfig, TrainingLength
from .base import (
    ClosedFormLRSchedulerConfigBase,
    LRSchedulerMetadata,
    lr_scheduler_registry,
    show_count,
)

__all__ = [
    "ConstantLRConfig",
    "CosineAnnealingLRConfig",
    "CosineAnnealingWarmRestartsConfig",
    "ExponentialLRConfig",
    "LinearLRConfig",
    "MultiStepLRConfig",
    "PolynomialLRConfig",
    "PositiveCount",
    "StepLRConfig",
]

PositiveCount: TypeAlias = Annotated[int, Field(ge=1)] | DurationConfig
"""A count of at least one scheduler step, or a duration converted to scheduler steps."""


class TorchMirrorConfigBase(ClosedFormLRSchedulerConfigBase):
    """Shared behaviour of the torch mirrors: interval ``epoch`` and count resolution."""

    @override
    def metadata(self) -> LRSchedulerMetadata:
        """torch's epoch schedulers are stepped once per epoch."""
        return {"interval": "epoch"}

    def units(self, field: str, length: TrainingLength, minimum: int = 1) -> int:
        """The count in field ``field`` in scheduler steps.

        Raises:
            ValueError: A duration resolves to fewer than ``minimum`` scheduler steps.
        """
        value = getattr(self, field)
        n = self.to_units(value, length)
        if n < minimum:
            raise ValueError(
                f"{type(self).__name__}.{field}={value!r} is {n} scheduler steps for "
                f"{length!r} (interval {self.resolved_metadata()['interval']!r}); "
                f"it must be at least {minimum}"
            )
        return n


@lr_scheduler_registry.register
class StepLRConfig(TorchMirrorConfigBase):
    """torch ``StepLR``: decay by ``gamma`` every ``step_size`` scheduler steps.

    .. math::
        lr(t) = η_0\\, γ^{\\lfloor t / s \\rfloor}

    where :math:`η_0` is the group's base LR, :math:`γ` is ``gamma`` and :math:`s` is
    ``step_size``.

    Example:
        >>> import nshsched as S
        >>> cfg = S.StepLRConfig(step_size=2, gamma=0.5, interval="step")
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=1, total_steps=5), [1.0])[:, 0].tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    name: Literal["step_lr"] = "step_lr"
    step_size: PositiveCount
    """Period of the decay, in scheduler steps (or a duration)."""
    gamma: Annotated[float, Field(gt=0)] = 0.1
    """Multiplicative factor of the decay."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.step_lr(self.units("step_size", length), self.gamma)

    @override
    def growth_fields(self) -> dict[str, float]:
        """``gamma`` above 1 compounds."""
        return {"gamma": self.gamma} if self.gamma > 1 else {}


@lr_scheduler_registry.register
class MultiStepLRConfig(TorchMirrorConfigBase):
    """torch ``MultiStepLR``: decay by ``gamma`` at each milestone.

    .. math::
        lr(t) = η_0\\, γ^{\\#\\{i : m_i \\le t\\}}

    where :math:`m_i` are the ``milestones`` (scheduler steps, strictly increasing).

    Differs from torch: a repeated milestone (which torch applies twice) is rejected.
    """

    name: Literal["multi_step_lr"] = "multi_step_lr"
    milestones: list[Annotated[int, Field(ge=0)] | DurationConfig]
    """Scheduler steps at which the LR is multiplied by ``gamma``; strictly increasing."""
    gamma: Annotated[float, Field(gt=0)] = 0.1
    """Multiplicative factor of each decay."""

    @model_validator(mode="after")
    def _check_milestones(self) -> Self:
        # Checked now when they are in one unit (ints, or durations of one kind).
        same = self.same_unit(*self.milestones)
        values = same if same is not None else [m for m in self.milestones if isinstance(m, int)]
        if any(b <= a for a, b in itertools.pairwise(values)):
            shown = ", ".join(show_count(m) for m in self.milestones)
            raise ValueError(f"milestones must be strictly increasing, got [{shown}]")
        return self

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        marks = [self.to_units(m, length) for m in self.milestones]
        if any(b <= a for a, b in itertools.pairwise(marks)):
            shown = ", ".join(show_count(m) for m in self.milestones)
            raise ValueError(
                f"MultiStepLRConfig.milestones=[{shown}] are {marks} scheduler steps for "
                f"{length.total_steps} optimizer steps ({length.steps_per_epoch} per epoch): "
                "they must be strictly increasing"
            )
        return F.multi_step_lr(marks, self.gamma)

    @override
    def growth_fields(self) -> dict[str, float]:
        """``gamma`` above 1 compounds."""
        return {"gamma": self.gamma} if self.gamma > 1 else {}


@lr_scheduler_registry.register
class ExponentialLRConfig(TorchMirrorConfigBase):
    """torch ``ExponentialLR``: decay by ``gamma`` every scheduler step.

    .. math::
        lr(t) = η_0\\, γ^t
    """

    name: Literal["exponential_lr"] = "exponential_lr"
    gamma: Annotated[float, Field(gt=0)]
    """Multiplicative factor applied at every scheduler step."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.exponential_lr(self.gamma)

    @override
    def growth_fields(self) -> dict[str, float]:
        """``gamma`` above 1 compounds."""
        return {"gamma": self.gamma} if self.gamma > 1 else {}


@lr_scheduler_registry.register
class CosineAnnealingLRConfig(TorchMirrorConfigBase):
    """torch ``CosineAnnealingLR``: cosine from the base LR to ``eta_min`` over ``T_max``.

    .. math::
        lr(t) = η_{min} + (η_0 - η_{min})\\, \\frac{1 + \\cos(\\pi t / T_{max})}{2}

    where :math:`η_{min}` is ``eta_min`` (an absolute LR, the same for every group).

    Like torch, the curve is **not** clamped at ``T_max``: it rises again and oscillates
    with period ``2 T_max``. The Hugging Face style ``cosine`` config stays at its minimum
    after its ``total`` instead. torch updates recursively; this is the closed form its
    recursion follows (equal to 1e-9 relative).

    References:
        Loshchilov & Hutter, SGDR: Stochastic Gradient Descent with Warm Restarts (2017).
    """

    name: Literal["cosine_annealing_lr"] = "cosine_annealing_lr"
    T_max: PositiveCount
    """Scheduler steps of the half cosine (or a duration)."""
    eta_min: Annotated[float, Field(ge=0)] = 0.0
    """Minimum learning rate (absolute)."""

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """``T_max`` (unless a fraction of training) should be the end of training."""
        return self.count_horizon("T_max", length)

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        return F.eta_min_curve(F.cosine_annealing_lr(self.units("T_max", length)), self.eta_min)


@lr_scheduler_registry.register
class CosineAnnealingWarmRestartsConfig(TorchMirrorConfigBase):
    """torch ``CosineAnnealingWarmRestarts`` (SGDR): cosine cycles that restart at the base LR.

    .. math::
        lr(t) = η_{min} + (η_0 - η_{min})\\, \\frac{1 + \\cos(\\pi T_{cur} / T_i)}{2}

    where cycle :math:`i` lasts :math:`T_i = T_0 T_{mult}^i` scheduler steps and
    :math:`T_{cur}` counts the steps since its start. Cycle boundaries are computed with
    integers, so they are exact at any step.

    References:
        Loshchilov & Hutter, SGDR: Stochastic Gradient Descent with Warm Restarts (2017).
    """

    name: Literal["cosine_annealing_warm_restarts"] = "cosine_annealing_warm_restarts"
    T_0: PositiveCount
    """Length of the first cycle, in scheduler steps (or a duration)."""
    T_mult: Annotated[int, Field(ge=1)] = 1
    """Each cycle is ``T_mult`` times longer than the previous one."""
    eta_min: Annotated[float, Field(ge=0)] = 0.0
    """Minimum learning rate (absolute)."""

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        factor = F.cosine_annealing_warm_restarts(self.units("T_0", length), self.T_mult)
        return F.eta_min_curve(factor, self.eta_min)


@lr_scheduler_registry.register
class PolynomialLRConfig(TorchMirrorConfigBase):
    """torch ``PolynomialLR``: polynomial decay to 0 over ``total_iters``.

    .. math::
        lr(t) = η_0 \\left(1 - \\frac{\\min(t, T)}{T}\\right)^p

    where :math:`T` is ``total_iters`` and :math:`p` is ``power``.
    """

    name: Literal["polynomial_lr"] = "polynomial_lr"
    total_iters: PositiveCount = 5
    """Scheduler steps of the decay (or a duration)."""
    power: Annotated[float, Field(gt=0)] = 1.0
    """Power of the polynomial."""

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """``total_iters`` (unless a fraction of training) should be the end of training."""
        return self.count_horizon("total_iters", length)

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.polynomial_lr(self.units("total_iters", length), self.power)


@lr_scheduler_registry.register
class LinearLRConfig(TorchMirrorConfigBase):
    """torch ``LinearLR``: the multiplier moves linearly from ``start_factor`` to ``end_factor``.

    .. math::
        lr(t) = η_0 \\left(s + (e - s) \\frac{\\min(t, T)}{T}\\right)

    where :math:`s, e` are ``start_factor``, ``end_factor`` and :math:`T` is ``total_iters``.
    """

    name: Literal["linear_lr"] = "linear_lr"
    start_factor: Annotated[float, Field(gt=0, le=1)] = 1.0 / 3
    """Multiplier at step 0, in (0, 1]."""
    end_factor: Annotated[float, Field(ge=0, le=1)] = 1.0
    """Multiplier from ``total_iters`` on, in [0, 1]."""
    total_iters: PositiveCount = 5
    """Scheduler steps of the ramp (or a duration)."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.linear_lr(self.start_factor, self.end_factor, self.units("total_iters", length))


@lr_scheduler_registry.register
class ConstantLRConfig(TorchMirrorConfigBase):
    """torch ``ConstantLR``: the LR is multiplied by ``factor`` until ``total_iters``.

    .. math::
        lr(t) = \\begin{cases} η_0 f & t < T \\\\ η_0 & t \\ge T \\end{cases}

    where :math:`f` is ``factor`` and :math:`T` is ``total_iters``.
    """

    name: Literal["constant_lr"] = "constant_lr"
    factor: Annotated[float, Field(ge=0, le=1)] = 1.0 / 3
    """Multiplier before ``total_iters``, in [0, 1]."""
    total_iters: PositiveCount = 5
    """Scheduler steps at the reduced LR (or a duration)."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.constant_lr(self.factor, self.units("total_iters", length))
