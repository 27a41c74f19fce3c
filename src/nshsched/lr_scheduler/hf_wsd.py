"""Hugging Face's ``warmup_stable_decay`` schedule (warmup, a stable phase, a decay), under
HF's name, keywords and curve; the other HF schedules are in :mod:`.hf` and
:mod:`.hf_absolute`."""

from __future__ import annotations

from typing import Literal

from pydantic import NonNegativeFloat, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..config.errors import field_error
from ..duration import TrainingLength
from .base import Count, lr_scheduler_registry, show_count, show_units
from .hf import HFScheduleBase, Ratio

__all__ = ["WarmupStableDecaySchedulerConfig"]


@lr_scheduler_registry.register
class WarmupStableDecaySchedulerConfig(HFScheduleBase):
    """HF ``warmup_stable_decay``: warmup from ``m`` to 1, stable at 1, decay to ``m``.

    .. math::
        α(t) = \\begin{cases}
            m + (1 - m)\\, w\\big(t / \\max(1, W)\\big) & t < W \\\\
            1 & W \\le t < W + S \\\\
            m + (1 - m)\\, d\\big((t - W - S) / \\max(1, D)\\big) & W + S \\le t < W + S + D \\\\
            m & t \\ge W + S + D
        \\end{cases}

    where :math:`m` = ``min_lr_ratio``, :math:`W, S, D` = ``warmup``, ``stable``, ``decay``;
    :math:`w(p)` = :math:`p`, :math:`\\tfrac12(1 - \\cos \\pi p)` or :math:`1 - \\sqrt{1-p}`
    (``warmup_type``) and :math:`d(p)` = :math:`1 - p`, :math:`\\tfrac12(1 + \\cos 2\\pi c p)`
    or :math:`1 - \\sqrt{p}` (``decay_type``), :math:`c` = ``num_cycles``. ``stable``
    defaults to ``total - warmup - decay``.

    Differs from HF: setting both ``stable`` and ``total`` is an error (HF warns and
    ignores ``total``), and a negative stable phase is an error.
    """

    name: Literal["warmup_stable_decay"] = "warmup_stable_decay"

    decay: Count
    """Decay phase (HF ``num_decay_steps``): scheduler steps or a duration."""

    stable: Count | None = None
    """Stable phase (HF ``num_stable_steps``); ``None``: ``total - warmup - decay``."""

    total: Count | None = None
    """Whole schedule (HF ``num_training_steps``), used when ``stable`` is not set;
    ``None``: the whole training."""

    warmup_type: F.RampType = "linear"
    """Shape of the warmup: ``linear``, ``cosine`` or ``1-sqrt``."""

    decay_type: F.RampType = "cosine"
    """Shape of the decay: ``linear``, ``cosine`` or ``1-sqrt``."""

    min_lr_ratio: Ratio = 0.0
    """Start of the warmup and end of the decay, as a fraction of the base LR."""

    num_cycles: NonNegativeFloat = 0.5
    """Number of cosine waves in a ``cosine`` decay (0.5: from 1 down to ``min_lr_ratio``)."""

    @model_validator(mode="after")
    def _stable_or_total(self) -> Self:
        if self.stable is not None and self.total is not None:
            raise ValueError(
                f"set stable or total, not both (got stable={show_count(self.stable)}, "
                f"total={show_count(self.total)})"
            )
        w, d, t = self.warmup, self.decay, self.total
        same = self.same_unit(w, d, t) if self.stable is None and t is not None else None
        if same is not None and same[0] + same[1] > same[2]:
            raise field_error(
                "decay",
                f"warmup + decay must be <= total, got w={show_count(w)} + d={show_count(d)} > "
                f"t={show_count(t)}",
                d,
                "shorten the warmup or the decay, or lengthen total",
            )
        return self

    @override
    def uses_total(self) -> bool:
        """Neither ``stable`` nor ``total`` set (the schedule spans the whole training), or a
        ``warmup_ratio`` of the whole training."""
        return self.total is None and (self.stable is None or self.warmup_ratio is not None)

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """An explicit ``total`` (not a fraction) should be the end of training."""
        return self.count_horizon("total", length)

    def phases(self, length: TrainingLength) -> tuple[int, int, int]:
        """``(W, S, D)`` in scheduler steps."""
        w = self.warmup_units(length)
        d = self.to_units(self.decay, length)
        if self.stable is not None:
            return w, self.to_units(self.stable, length), d
        t = self.training_units(length)
        if w + d > t:
            raise ValueError(
                f"warmup_stable_decay: warmup ({self.warmup_shown(w)}) + decay "
                f"({show_units(self.decay, d)}) must be <= total ({show_units(self.total, t)})"
            )
        return w, t - w - d, d

    @override
    def schedule(self, length: TrainingLength) -> F.Schedule:
        return F.hf_warmup_stable_decay(
            *self.phases(length),
            warmup_type=self.warmup_type,
            decay_type=self.decay_type,
            min_lr_ratio=self.min_lr_ratio,
            num_cycles=self.num_cycles,
        )
