"""Closed-form schedules: pure functions ``step -> multiplier``, and how to combine them.

No torch and no pydantic here; numpy only when a caller passes an array.
"""

from ._core import (
    LRCurve,
    Schedule,
    Step,
    constant,
    cosine,
    evaluate,
    every,
    join,
    join_curves,
    linear,
    ops,
    shift,
    warmup,
    warmup_curve,
)

__all__ = [
    "LRCurve",
    "Schedule",
    "Step",
    "constant",
    "cosine",
    "evaluate",
    "every",
    "join",
    "join_curves",
    "linear",
    "ops",
    "shift",
    "warmup",
    "warmup_curve",
]
