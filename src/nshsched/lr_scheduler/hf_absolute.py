"""The Hugging Face schedules that take an absolute LR: ``cosine_with_min_lr``,
``cosine_warmup_with_min_lr`` and ``polynomial`` (see :mod:`nshsched.lr_scheduler.hf` for the rest of the set)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import NonNegativeFloat, PrivateAttr, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..duration import TrainingLength
from .base import lr_scheduler_registry
from .hf import _RATIO, _HFTotalScheduleBase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from torch.optim import Optimizer

__all__ = [
    "CosineWarmupWithMinLRSchedulerConfig",
    "CosineWithMinLRSchedulerConfig",
    "PolynomialSchedulerConfig",
]


class _ReferenceLRBase(_HFTotalScheduleBase):
    """An HF schedule with an absolute LR, turned into a factor of the optimizer's LR.

    HF divides the absolute value by ``optimizer.defaults["lr"]`` and applies the resulting
    factor to every group. :meth:`create_scheduler_impl` reads that LR and builds from a copy
    bound to it (:meth:`with_reference_lr`). Unbound (e.g. as a phase of ``sequential`` or a
    group of ``per_group``, which never see the optimizer's default LR) the absolute value
    is used as such: after the warmup ``lr = base * α₀(t) + absolute * (1 - α₀(t))`` (``α₀``:
    the schedule with a final value of 0), which equals HF for every group whose base LR is
    the optimizer's default. :func:`nshsched.preview` of an unbound
    config steps the real scheduler on an optimizer whose default LR is the first base LR;
    bind it (``cfg.with_reference_lr(lr)``) for a vectorised preview.
    """

    _reference_lr: float | None = PrivateAttr(default=None)

    def absolute_lr(self) -> float | None:
        """The absolute LR to convert (``None``: nothing to convert)."""
        raise NotImplementedError

    def check_reference_lr(self, lr: float) -> None:
        """Raise if ``lr`` cannot serve as the optimizer's default LR."""
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: the optimizer's lr must be > 0, got {lr}")

    def with_reference_lr(self, lr: float) -> Self:
        """A copy whose absolute LR is converted with ``lr`` (the optimizer's default LR)."""
        lr = float(lr)
        self.check_reference_lr(lr)
        bound = self.model_copy()
        bound._reference_lr = lr
        return bound

    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        """The multiplier with the absolute LR given as ``ratio`` of the reference LR."""
        raise NotImplementedError

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        absolute = self.absolute_lr()
        if absolute is None:
            return F.LRCurve(self.decay_curve(length, 0.0))
        if self._reference_lr is not None:
            return F.LRCurve(self.decay_curve(length, absolute / self._reference_lr))
        # Unbound: α with end ratio 0, plus the absolute LR weighted by 1 - α after the warmup.
        alpha = self.decay_curve(length, 0.0)
        w, _ = self.resolve(length)

        def floor(t: F.Step) -> Any:
            return absolute * (1.0 - alpha(t))

        offset = floor if w == 0 else F.join([F.constant(0.0), F.shift(floor, -w)], [w])
        return F.LRCurve(alpha, offset)

    @override
    def preview_curves(
        self, length: TrainingLength, group_names: Sequence[str | None]
    ) -> list[F.LRCurve | None] | None:
        if self.absolute_lr() is not None and self._reference_lr is None:
            return None  # preview steps the real scheduler (reference: the first base LR)
        return super().preview_curves(length, group_names)

    @override
    def create_scheduler_impl(self, optimizer: Optimizer, length: TrainingLength) -> Any:
        if self.absolute_lr() is None:
            return super().create_scheduler_impl(optimizer, length)
        lr = optimizer.defaults.get("lr")
        if lr is None:
            raise ValueError(
                f"{type(self).__name__} needs the optimizer's default lr "
                f"({type(optimizer).__name__}.defaults has none)"
            )
        bound = self.with_reference_lr(float(lr))
        return super(_ReferenceLRBase, bound).create_scheduler_impl(optimizer, length)


@lr_scheduler_registry.register
class CosineWithMinLRSchedulerConfig(_ReferenceLRBase):
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

    num_cycles: NonNegativeFloat = 0.5
    """Number of cosine waves between ``warmup`` and ``total``."""

    min_lr: NonNegativeFloat | None = None
    """The final LR, absolute (HF converts it with the optimizer's default LR)."""

    min_lr_rate: _RATIO | None = None
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
    :class:`_ReferenceLRBase`) and :math:`p` = ``power``. As HF, ``lr_end`` must be smaller
    than the optimizer's LR (an error at creation). Differs from HF: with ``warmup ==
    total`` the LR is :math:`e` from ``W`` on (HF divides by zero).
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
    def check_reference_lr(self, lr: float) -> None:
        if not lr > self.lr_end:
            raise ValueError(
                f"polynomial: lr_end ({self.lr_end}) must be smaller than the optimizer's lr ({lr})"
            )

    @override
    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        return F.hf_polynomial(*self.resolve(length), end_ratio=ratio, power=self.power)


@lr_scheduler_registry.register
class CosineWarmupWithMinLRSchedulerConfig(_ReferenceLRBase):
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

    num_cycles: NonNegativeFloat = 0.5
    """Number of cosine waves between ``warmup`` and ``total``."""

    min_lr: NonNegativeFloat | None = None
    """The final LR, absolute (HF converts it with the optimizer's default LR)."""

    min_lr_rate: _RATIO | None = None
    """The final LR as a fraction of each group's base LR."""

    warmup_lr_rate: _RATIO | None = None
    """The warmup's first value as a fraction of the base LR; ``None``: :math:`1/W`."""

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

    @override
    def decay_curve(self, length: TrainingLength, ratio: float) -> F.Schedule:
        rate = self.min_lr_rate if self.min_lr_rate is not None else ratio
        return F.hf_cosine_warmup_with_min_lr(
            *self.resolve(length),
            num_cycles=self.num_cycles,
            min_lr_rate=rate,
            warmup_lr_rate=self.warmup_lr_rate,
        )
