"""The Hugging Face schedules that take an absolute LR: ``cosine_with_min_lr``,
``cosine_warmup_with_min_lr`` and ``polynomial`` (see :mod:`nshsched.lr_scheduler.hf` for the rest of the set)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import NonNegativeFloat, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..duration import TrainingLength
from .base import lr_scheduler_registry
from .hf import HFTotalScheduleBase, Ratio

if TYPE_CHECKING:
    pass

__all__ = [
    "CosineWarmupWithMinLRSchedulerConfig",
    "CosineWithMinLRSchedulerConfig",
    "PolynomialSchedulerConfig",
]


class _ReferenceLRBase(HFTotalScheduleBase):
    """An HF schedule with an absolute final LR (``lr_end``, ``min_lr``).

    HF divides the absolute value by the optimizer's default ``lr`` and applies the
    resulting factor to every group. Here the curve is ``base · α₀(t) + a · (1 − α₀(t))``
    after the warmup (``α₀``: the schedule with a final value of 0, ``a``: the absolute LR),
    with ``a`` stated for the optimizer's default LR: as the global schedule each group gets
    ``a × its base / default`` — exactly HF's curve, group ratios kept —, as a group's own
    schedule (``per_group.groups``, ``ParamGroupConfig.scheduler``) ``a`` exactly, as if the
    group were alone: its LR ends at ``a``.
    """

    def absolute_lr(self) -> float | None:
        """The absolute LR (``None``: the schedule is relative)."""
        raise NotImplementedError

    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        """The multiplier with the final value given as ``ratio`` of the base LR."""
        raise NotImplementedError

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        absolute = self.absolute_lr()
        alpha = self.decay_curve(length, 0.0)
        if absolute is None or absolute == 0.0:
            return F.LRCurve(alpha)
        w, _ = self.resolve(length)

        def floor(t: F.Step) -> Any:
            return absolute * (1.0 - alpha(t))

        offset = floor if w == 0 else F.join([F.constant(0.0), F.shift(floor, -w)], [w])
        return F.LRCurve(alpha, ref_offset=offset)


class _CosineToMinLRBase(_ReferenceLRBase):
    """The HF cosines that end at a minimum: ``min_lr`` (absolute) or ``min_lr_rate``."""

    num_cycles: NonNegativeFloat = 0.5
    """Number of cosine waves between ``warmup`` and ``total``."""

    min_lr: NonNegativeFloat | None = None
    """The final LR, absolute (HF converts it with the optimizer's default LR)."""

    min_lr_rate: Ratio | None = None
    """The final LR as a fraction of each group's base LR."""

    @model_validator(mode="after")
    def _one_min(self) -> Self:
        if (self.min_lr is None) == (self.min_lr_rate is None):
            raise ValueError(
                "set exactly one of min_lr and min_lr_rate, got "
                f"min_lr={self.min_lr}, min_lr_rate={self.min_lr_rate}"
            )
        return self

    @override
    def absolute_lr(self) -> float | None:
        return self.min_lr


@lr_scheduler_registry.register
class CosineWithMinLRSchedulerConfig(_CosineToMinLRBase):
    """HF ``cosine_with_min_lr``: linear warmup, then a cosine from 1 down to ``r``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            r + (1 - r)\\, \\tfrac12 (1 + \\cos(2 \\pi c p)) & t \\ge W
        \\end{cases}
        \\qquad p = \\frac{\\min(t, T) - W}{\\max(1, T - W)}

    where :math:`r` = ``min_lr_rate``, or ``min_lr / lr0`` with :math:`lr_0` the optimizer's
    default LR (as HF; see :class:`_ReferenceLRBase` for how ``min_lr`` is applied).
    Exactly one of ``min_lr`` and ``min_lr_rate`` must be set. After ``total`` the value
    at ``total`` is held (HF lets the wave run on).
    """

    name: Literal["cosine_with_min_lr"] = "cosine_with_min_lr"

    @override
    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        rate = self.min_lr_rate if self.min_lr_rate is not None else ratio
        return F.hf_cosine(*self.resolve(length), num_cycles=self.num_cycles, min_lr_rate=rate)


@lr_scheduler_registry.register
class PolynomialSchedulerConfig(_ReferenceLRBase):
    """HF ``polynomial``: linear warmup, then a polynomial decay to ``lr_end`` at ``total``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            e + (1 - e) \\big(1 - \\tfrac{t - W}{T - W}\\big)^{p} & W \\le t \\le T \\\\
            e & t > T
        \\end{cases}

    where :math:`e` = ``lr_end / lr0`` (:math:`lr_0` the optimizer's default LR, as HF; see
    :class:`_ReferenceLRBase`) and :math:`p` = ``power``. Differs from HF: with ``warmup ==
    total`` the LR is :math:`e` from ``W`` on (HF divides by zero); an ``lr_end`` above the
    LR gives a curve rising to it (HF raises).
    """

    name: Literal["polynomial"] = "polynomial"

    lr_end: NonNegativeFloat = 1e-7
    """The final LR, absolute (converted with the optimizer's default LR, as HF)."""

    power: NonNegativeFloat = 1.0
    """Exponent of the decay (1: linear)."""

    @override
    def absolute_lr(self) -> float | None:
        return self.lr_end

    @override
    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        return F.hf_polynomial(*self.resolve(length), end_ratio=ratio, power=self.power)


@lr_scheduler_registry.register
class CosineWarmupWithMinLRSchedulerConfig(_CosineToMinLRBase):
    """HF ``cosine_warmup_with_min_lr``: a warmup that starts above 0, then a cosine from 1
    down to ``r``, reached one step before ``total``.

    .. math::
        α(t) = \\begin{cases}
            (t + 1) / \\max(1, W) & t < W,\\ a \\text{ unset} \\\\
            a + (1 - a)\\, t / \\max(1, W - 1) & t < W \\\\
            r + (1 - r)\\, \\tfrac12 (1 + \\cos(2 \\pi c p)) & t \\ge W
        \\end{cases}
        \\qquad p = \\min\\Big(1, \\frac{t - W + 1}{\\max(1, T - W)}\\Big)

    where :math:`W` = ``warmup``, :math:`T` = ``total``, :math:`c` = ``num_cycles``,
    :math:`a` = ``warmup_lr_rate`` and :math:`r` = ``min_lr_rate``, or ``min_lr / lr0``
    with :math:`lr_0` the optimizer's default LR (as HF). Unlike ``cosine_with_min_lr``
    the warmup's first step is :math:`1/W` (not 0) and the curve is one step ahead.
    HF's keywords are accepted (``num_warmup_steps``, ``num_training_steps``,
    ``warmup_ratio``). Differs from HF: after ``total`` the value there is held (HF lets the
    wave run on).

    Example:
        >>> import nshsched as S
        >>> cfg = S.CosineWarmupWithMinLRSchedulerConfig(num_warmup_steps=2, min_lr_rate=0.5)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5))[:, 0].round(4).tolist()
        [0.5, 1.0, 0.875, 0.625, 0.5, 0.5]
    """

    name: Literal["cosine_warmup_with_min_lr"] = "cosine_warmup_with_min_lr"

    warmup_lr_rate: Ratio | None = None
    """The warmup's first value as a fraction of the base LR; ``None``: :math:`1/W`."""

    @override
    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        rate = self.min_lr_rate if self.min_lr_rate is not None else ratio
        return F.hf_cosine_warmup_with_min_lr(
            *self.resolve(length),
            num_cycles=self.num_cycles,
            min_lr_rate=rate,
            warmup_lr_rate=self.warmup_lr_rate,
        )
