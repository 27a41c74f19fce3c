"""The field types of optimizer configs, and the options torch's optimizers share, written once.

A field declared with one of these types carries its range and its description (shown in
the JSON schema and the docs); a config then writes only the line that names the field and
its default, which follows torch's: ``foreach: Foreach = None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeAlias

from pydantic import AfterValidator, Field

__all__ = [
    "FLOAT32_TINY",
    "AMSGrad",
    "Beta",
    "Betas",
    "Capturable",
    "Differentiable",
    "Epsilon",
    "Foreach",
    "Fused",
    "LearningRate",
    "Maximize",
    "NonNegative",
    "Params",
    "SquaredEpsilon",
    "StabilityEpsilon",
    "UnitInterval",
]

Params: TypeAlias = Iterable[Any]
"""What torch optimizers accept: tensors, param-group dicts, or ``(name, tensor)`` pairs."""

LearningRate: TypeAlias = Annotated[float, Field(ge=0.0)]
"""A learning rate: a float ``>= 0`` (torch also accepts a 1-element Tensor; configs do not)."""

NonNegative: TypeAlias = Annotated[float, Field(ge=0.0)]
"""A float ``>= 0`` (weight decays, decay rates)."""

Beta: TypeAlias = Annotated[float, Field(ge=0.0, lt=1.0)]
"""An exponential-average coefficient in ``[0, 1)``."""

UnitInterval: TypeAlias = Annotated[float, Field(ge=0.0, le=1.0)]
"""A coefficient in ``[0, 1]`` (momenta, dampening, smoothing constants): torch only checks
``>= 0``, but above 1 the average it weighs grows geometrically, or turns negative."""

FLOAT32_TINY = 1.1754943508222875e-38
"""The smallest normal float32: a smaller epsilon is 0 (or denormal) in a float32 step."""


def _at_least(minimum: float, why: str) -> Callable[[float], float]:
    def check(value: float) -> float:
        if value < minimum:
            raise ValueError(f"must be at least {minimum:.3g} ({why}), got {value!r}")
        return value

    return check


Epsilon: TypeAlias = Annotated[
    float,
    Field(gt=0.0),
    AfterValidator(
        _at_least(FLOAT32_TINY, "the smallest normal float32; float32 arithmetic rounds less to 0")
    ),
]
"""A numerical-stability term added to a denominator: torch accepts 0, but with ``eps = 0``
a parameter whose gradient is exactly zero gets ``0 / 0 = nan`` at its first step; so does
an epsilon below the smallest normal float32 (``1.18e-38``), which float32 arithmetic
rounds to 0."""

SquaredEpsilon: TypeAlias = Annotated[
    float,
    Field(gt=0.0),
    AfterValidator(
        _at_least(
            FLOAT32_TINY**0.5, "its square must stay a normal float32; torch clamps at eps ** 2"
        )
    ),
]
"""An epsilon that torch squares (Adafactor's ``eps[0]``): at least ``1.08e-19``."""


# ---------------------------------------------------------------------- shared options

Maximize: TypeAlias = Annotated[
    bool, Field(description="Maximize the objective instead of minimizing it.")
]
Foreach: TypeAlias = Annotated[
    bool | None, Field(description="Use the multi-tensor implementation (``None``: torch decides).")
]
Fused: TypeAlias = Annotated[
    bool | None, Field(description="Use the fused kernel (``None``: torch decides).")
]
Capturable: TypeAlias = Annotated[
    bool, Field(description="Allow capturing the step in a CUDA graph.")
]
Differentiable: TypeAlias = Annotated[
    bool, Field(description="Let autograd differentiate through the step.")
]
AMSGrad: TypeAlias = Annotated[
    bool, Field(description="Use the running maximum of the second moment (AMSGrad).")
]
Betas: TypeAlias = Annotated[
    tuple[Beta, Beta],
    Field(description="Decay rates of the first and second moment averages, each in ``[0, 1)``."),
]
StabilityEpsilon: TypeAlias = Annotated[
    Epsilon, Field(description="Added to the denominator for numerical stability.")
]
