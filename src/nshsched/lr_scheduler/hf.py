"""The schedules of Hugging Face ``transformers.get_scheduler``, under HF's names and curves.

Each config has its own ``warmup`` (HF ``num_warmup_steps``) and, where HF takes one,
``total`` (HF ``num_training_steps``, default: the whole training). Both are counts of
scheduler steps (``int``, one per optimizer step by default) or durations. Every other field
keeps HF's keyword name and default.

The warmup is part of each HF formula (``t / max(1, W)``), so these configs do not also
join the generic warmup of :class:`ClosedFormLRSchedulerConfigBase` in front: their
``warmup`` field replaces the generic one and :meth:`HFScheduleBase.generic_warmup` tells
the clock so.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, NonNegativeFloat, PositiveInt, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.errors import field_error
from ..config.moved import moved_to
from ..duration import TrainingLength
from ._hf_keywords import HF_ALIASES, hf_aliases, quote
from .base import (
    ClosedFormLRSchedulerConfigBase,
    Count,
    lr_scheduler_registry,
    show_count,
    show_units,
)

# cosine_with_min_lr and polynomial (absolute LRs) are in hf_absolute.py,
# warmup_stable_decay in hf_wsd.py.
__all__ = [
    "ConstantSchedulerConfig",
    "ConstantWithWarmupSchedulerConfig",
    "CosineSchedulerConfig",
    "CosineWithRestartsSchedulerConfig",
    "InverseSqrtSchedulerConfig",
    "LinearSchedulerConfig",
]

Ratio = Annotated[float, Field(ge=0, le=1)]
"""A fraction of the base LR, in [0, 1]."""


@lr_scheduler_registry.register
class ConstantSchedulerConfig(ClosedFormLRSchedulerConfigBase):
    """HF ``constant``: the base LR throughout, :math:`α(t) = 1`.

    Differs from HF: ``get_scheduler("constant", num_warmup_steps=...)`` silently ignores the
    warmup; here ``warmup`` is rejected (use ``constant_with_warmup``).

    Example:
        >>> import nshsched as S
        >>> S.preview({"name": "constant"}, S.TrainingLength(steps_per_epoch=2, total_steps=2)).ravel().tolist()
        [1.0, 1.0, 1.0]
    """

    name: Literal["constant"] = "constant"
    warmup: ClassVar[None] = None  # type: ignore[misc]  # no generic warmup here

    @model_validator(mode="before")
    @classmethod
    def _no_warmup(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("warmup", "num_warmup_steps", "warmup_ratio"):
                if data.get(key) is not None:
                    raise ValueError(
                        f"constant takes no warmup (got {key}={quote(data[key])}): "
                        "use constant_with_warmup"
                    )
        return data

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.constant(1.0)


class HFScheduleBase(ClosedFormLRSchedulerConfigBase):
    """A Hugging Face schedule: its own ``warmup``, part of its formula.

    HF's own keywords are accepted too: ``num_warmup_steps`` (= ``warmup``),
    ``num_training_steps`` (= ``total``), ``num_decay_steps``/``num_stable_steps``
    (= ``decay``/``stable``), written back under the canonical names; and ``warmup_ratio``.
    """

    warmup: Count = 0  # type: ignore[assignment]
    """Warmup (HF ``num_warmup_steps``): scheduler steps (an ``int``) or a duration. The LR
    rises as :math:`t / \\max(1, W)` over it."""

    warmup_ratio: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    """Warmup as HF's ``warmup_ratio``: ``ceil(warmup_ratio * total)`` scheduler steps, with
    ``total`` the schedule's length (``total`` if set, else the whole training), computed in
    floating point exactly as HF does (``100 * 0.07`` is ``7.000000000000001``: 8 steps).
    Exclusive with a non-zero ``warmup``."""

    input_keys: ClassVar[tuple[str, ...]] = tuple(HF_ALIASES)
    """Hugging Face's names of fields, accepted as input (named by ``did you mean``)."""

    @model_validator(mode="before")
    @classmethod
    def _hf_keywords(cls, data: Any) -> Any:
        return hf_aliases(cls, data)

    @model_validator(mode="after")
    def _warmup_or_ratio(self) -> Self:
        if self.warmup_ratio is not None and self.warmup != 0:
            raise ValueError(
                "set warmup (HF num_warmup_steps) or warmup_ratio, not both: got "
                f"warmup={show_count(self.warmup)}, warmup_ratio={self.warmup_ratio}"
            )
        return self

    @override
    def uses_total(self) -> bool:
        """``warmup_ratio`` without a ``total``: the warmup is a share of the whole training."""
        return self.warmup_ratio is not None and getattr(self, "total", None) is None

    def training_units(self, length: TrainingLength) -> int:
        """The schedule's length in scheduler steps (HF ``num_training_steps``): ``total`` if
        this config has one and it is set, else the whole training."""
        total = getattr(self, "total", None)
        return self.total_units(length) if total is None else self.to_units(total, length)

    def warmup_shown(self, units: int) -> str:
        """The warmup resolved to ``units`` scheduler steps, for a message."""
        if self.warmup_ratio is not None:
            return f"warmup_ratio={self.warmup_ratio:g} = {units} scheduler steps"
        return show_units(self.warmup, units)

    def warmup_units(self, length: TrainingLength) -> int:
        """``warmup`` in scheduler steps (``warmup_ratio`` resolved as HF does)."""
        if self.warmup_ratio is not None:
            return math.ceil(self.training_units(length) * self.warmup_ratio)
        return self.to_units(self.warmup, length)

    @override
    def generic_warmup(self) -> None:
        """None: the warmup is part of the formula (not joined again by the clock)."""
        return None


class HFTotalScheduleBase(HFScheduleBase):
    """An HF schedule that also takes ``num_training_steps``."""

    total: Count | None = None
    """Length of the schedule (HF ``num_training_steps``): scheduler steps or a duration;
    ``None`` (default): the whole training."""

    @model_validator(mode="after")
    def _warmup_le_total(self) -> Self:
        if self.total is None:
            return self
        same = self.same_unit(self.warmup, self.total)
        if same is not None and same[0] > same[1]:
            raise field_error(
                "warmup",
                f"warmup={show_count(self.warmup)} must be <= total={show_count(self.total)}",
                self.warmup,
                "shorten the warmup or lengthen total",
            )
        return self

    @override
    def uses_total(self) -> bool:
        """``total`` unset: the schedule spans the whole training."""
        return self.total is None

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """An explicit ``total`` (not a fraction) should be the end of training."""
        return self.count_horizon("total", length)

    def resolve(self, length: TrainingLength) -> tuple[int, int]:
        """``(W, T)``: warmup and total in scheduler steps, checked once per build."""
        w = self.warmup_units(length)
        t = self.training_units(length)
        if w > t:
            raise ValueError(
                f"{type(self).__name__}: warmup ({self.warmup_shown(w)}) must "
                f"be <= total ({show_units(self.total, t)})"
            )
        return w, t


@lr_scheduler_registry.register
class ConstantWithWarmupSchedulerConfig(HFScheduleBase):
    """HF ``constant_with_warmup``: linear warmup from 0, then the base LR.

    .. math::
        α(t) = \\begin{cases} t / \\max(1, W) & t < W \\\\ 1 & t \\ge W \\end{cases}

    where :math:`t` is the scheduler step and :math:`W` = ``warmup``.

    Example:
        >>> import nshsched as S
        >>> cfg = S.ConstantWithWarmupSchedulerConfig(warmup=2)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=4, total_steps=4)).ravel().tolist()
        [0.0, 0.5, 1.0, 1.0, 1.0]
    """

    name: Literal["constant_with_warmup"] = "constant_with_warmup"

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_constant_with_warmup(self.warmup_units(length))


@lr_scheduler_registry.register
class LinearSchedulerConfig(HFTotalScheduleBase):
    """HF ``linear``: linear warmup from 0, then linear decay to 0 at ``total``.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\max\\big(0, (T - t) / \\max(1, T - W)\\big) & t \\ge W
        \\end{cases}

    where :math:`W` = ``warmup`` and :math:`T` = ``total``.

    Example:
        >>> import nshsched as S
        >>> cfg = S.LinearSchedulerConfig(warmup=1)
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=5, total_steps=5)).ravel().tolist()
        [0.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    """

    name: Literal["linear"] = "linear"

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_linear(*self.resolve(length))


@lr_scheduler_registry.register
class CosineSchedulerConfig(HFTotalScheduleBase):
    """HF ``cosine``: linear warmup from 0, then ``num_cycles`` cosine waves (half a wave,
    down to 0 at ``total``, by default).

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\max\\big(0, \\tfrac12 (1 + \\cos(2 \\pi c p))\\big) & t \\ge W
        \\end{cases}
        \\qquad p = \\frac{\\min(t, T) - W}{\\max(1, T - W)}

    where :math:`c` = ``num_cycles``.

    Differs from HF only after ``total`` (when ``total`` is shorter than training): HF keeps
    the wave running (the LR rises again); here the value at ``total`` is held.
    """

    name: Literal["cosine"] = "cosine"

    num_cycles: NonNegativeFloat = 0.5
    """Number of cosine waves between ``warmup`` and ``total`` (0.5: a half wave, 1 → 0)."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_cosine(*self.resolve(length), num_cycles=self.num_cycles)


@lr_scheduler_registry.register
class CosineWithRestartsSchedulerConfig(HFTotalScheduleBase):
    """HF ``cosine_with_restarts``: linear warmup, then ``num_cycles`` half-cosines from 1
    to 0, each restarting at 1 (hard restarts), and 0 from ``total`` on.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\tfrac12 \\big(1 + \\cos(\\pi (c p \\bmod 1))\\big) & W \\le t < T \\\\
            0 & t \\ge T
        \\end{cases}
        \\qquad p = \\frac{t - W}{\\max(1, T - W)}
    """

    name: Literal["cosine_with_restarts"] = "cosine_with_restarts"

    num_cycles: PositiveInt = 1
    """Number of cosine cycles (hard restarts) between ``warmup`` and ``total``."""

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """Periodic: not checked."""
        return None

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_cosine_with_restarts(*self.resolve(length), num_cycles=self.num_cycles)


@lr_scheduler_registry.register
class InverseSqrtSchedulerConfig(HFScheduleBase):
    """HF ``inverse_sqrt``: linear warmup, then an inverse square root decay.

    .. math::
        α(t) = \\begin{cases}
            t / \\max(1, W) & t < W \\\\
            \\big((t - W + τ) / τ\\big)^{-1/2} & t \\ge W
        \\end{cases}

    where :math:`τ` = ``timescale`` (default: :math:`W`, or 10 000 when :math:`W = 0`).
    """

    name: Literal["inverse_sqrt"] = "inverse_sqrt"

    timescale: PositiveInt | None = None
    """Time scale of the decay in scheduler steps; ``None``: the warmup (10 000 if 0)."""

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_inverse_sqrt(self.warmup_units(length), self.timescale)


# Moved in the third release; the old path still imports them (class_path, _target_).
__getattr__ = moved_to(__name__, {"WarmupStableDecaySchedulerConfig"})
