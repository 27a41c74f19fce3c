"""Closed-form schedules: pure functions ``step -> multiplier``, and how to combine them.

- ``_core`` — the schedule type, the basic shapes (:func:`constant`, :func:`linear`,
  :func:`cosine`), the combinators (:func:`join`, :func:`shift`, :func:`every`) and
  :func:`warmup`, the one warmup every schedule (and the generic ``warmup`` field) uses.
- ``_curve`` — :class:`LRCurve`: a group's value with absolute parts, joined and warmed up.
- ``_torch`` and ``_cyclic``, ``_hf``, ``_timm``, ``_warmup_cosine``, ``_intervals`` — the
  curves of torch's, Hugging Face's and timm's schedulers, nshtrainer's and ReGNN's warmup +
  cosine, and the RL reference's interval LRs.

No torch and no pydantic here; numpy only when a caller passes an array. Every function's
docstring carries its formula and a runnable example.
"""

from ._core import (
    SCALAR_OPS,
    RampShape,
    Schedule,
    Step,
    check_warmup,
    constant,
    cosine,
    evaluate,
    every,
    join,
    linear,
    ops,
    shift,
    warmup,
)
from ._curve import KEEP, LRCurve, join_curves, warmup_curve
from ._cyclic import cyclic_lr_curve, one_cycle_lr_curve
from ._hf import (
    RampType,
    hf_constant_with_warmup,
    hf_cosine,
    hf_cosine_warmup_with_min_lr,
    hf_cosine_with_restarts,
    hf_inverse_sqrt,
    hf_linear,
    hf_polynomial,
    hf_warmup_stable_decay,
)
from ._intervals import interval_curve, staircase_exponential
from ._timm import (
    TimmShape,
    timm_cycle_curve,
    timm_cycle_index,
    timm_multistep_curve,
    timm_step_curve,
)
from ._torch import (
    constant_lr,
    cosine_annealing_lr,
    cosine_annealing_warm_restarts,
    eta_min_curve,
    exponential_lr,
    linear_lr,
    multi_step_lr,
    polynomial_lr,
    step_lr,
)
from ._warmup_cosine import warmup_cosine, warmup_cosine_curve

__all__ = [
    "KEEP",
    "SCALAR_OPS",
    "LRCurve",
    "RampShape",
    "RampType",
    "Schedule",
    "Step",
    "TimmShape",
    "check_warmup",
    "constant",
    "constant_lr",
    "cosine",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr_curve",
    "eta_min_curve",
    "evaluate",
    "every",
    "exponential_lr",
    "hf_constant_with_warmup",
    "hf_cosine",
    "hf_cosine_warmup_with_min_lr",
    "hf_cosine_with_restarts",
    "hf_inverse_sqrt",
    "hf_linear",
    "hf_polynomial",
    "hf_warmup_stable_decay",
    "interval_curve",
    "join",
    "join_curves",
    "linear",
    "linear_lr",
    "multi_step_lr",
    "one_cycle_lr_curve",
    "ops",
    "polynomial_lr",
    "shift",
    "staircase_exponential",
    "step_lr",
    "timm_cycle_curve",
    "timm_cycle_index",
    "timm_multistep_curve",
    "timm_step_curve",
    "warmup",
    "warmup_cosine",
    "warmup_cosine_curve",
    "warmup_curve",
]
