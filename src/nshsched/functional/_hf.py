"""Hugging Face's ``cosine_warmup_with_min_lr`` curve, as a pure closed form.

The rest of the HF set is in :mod:`nshsched.functional._warmup`.
"""

from __future__ import annotations

import math
from typing import Any

from ._core import SCALAR_OPS, Schedule, Step, ops

__all__ = ["hf_cosine_warmup_with_min_lr"]


def hf_cosine_warmup_with_min_lr(
    warmup_steps: int,
    total: int,
    num_cycles: float = 0.5,
    min_lr_rate: float = 0.0,
    warmup_lr_rate: float | None = None,
) -> Schedule:
    """HF ``cosine_warmup_with_min_lr``: a warmup that is never at 0, then a cosine to ``r``
    that reaches it one step before ``T``.

    .. math::
        α(t) = \\begin{cases}
            (t + 1) / \\max(1, W) & t < W,\\ a \\text{ unset} \\\\
            a + (1 - a)\\, t / \\max(1, W - 1) & t < W \\\\
            \\max\\big(0, r + (1 - r)\\, \\tfrac12 (1 + \\cos(2 \\pi c p))\\big) & t \\ge W
        \\end{cases}
        \\qquad p = \\min\\Big(1, \\frac{t - W + 1}{\\max(1, T - W)}\\Big)

    with :math:`W` = ``warmup_steps``, :math:`T` = ``total``, :math:`c` = ``num_cycles``,
    :math:`r` = ``min_lr_rate`` and :math:`a` = ``warmup_lr_rate``. The progress is held at
    1 from :math:`t = T - 1` on (HF lets it run on).
    """
    if warmup_steps < 0 or total < warmup_steps:
        raise ValueError(f"need 0 <= warmup_steps <= total, got {warmup_steps=}, {total=}")
    w, span = float(warmup_steps), float(max(1, total - warmup_steps))
    omega = 2.0 * math.pi * num_cycles
    rate = min_lr_rate

    def schedule(t: Step) -> Any:
        o = ops(t)
        if warmup_lr_rate is None:
            warm = (t + 1.0) / max(1.0, w)
        else:
            warm = warmup_lr_rate + (1.0 - warmup_lr_rate) * t / max(1.0, w - 1.0)
        progress = o.minimum((t - w + 1.0) / span, 1.0)
        factor = 0.5 * (1.0 + o.cos(omega * progress)) * (1.0 - rate) + rate
        decay = o.maximum(factor, 0.0)
        if o is SCALAR_OPS:
            return warm if t < w else decay
        return o.where(t < w, warm, decay)

    return schedule
