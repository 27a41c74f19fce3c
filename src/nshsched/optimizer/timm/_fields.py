"""What each keyword of timm's optimizer classes means and which values it takes.

The generated configs (:mod:`nshsched.optimizer.timm`) take their field *names and
defaults* from the signatures of timm's classes; this table gives each name a type with a
range (the checks torch's configs make: finite, ``eps > 0``, betas in ``[0, 1)``...) and a
description for the JSON schema and the docs. A keyword missing here (a newer timm) gets
a type inferred from its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from ..fields import Beta, Epsilon, LearningRate, NonNegative, UnitInterval

__all__ = ["DTYPES", "OVERRIDES", "SPECS", "Spec"]

Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=0)]
AtLeastOne = Annotated[int, Field(ge=1)]

DTYPES = ("float32", "bfloat16", "float16", "float64")
"""The dtype names a dtype field accepts (converted to ``torch.<name>`` when built)."""
DType = Literal["float32", "bfloat16", "float16", "float64"]


@dataclass(frozen=True)
class Spec:
    """A keyword's type (without ``| None``: added where timm's default is ``None``) and
    description."""

    annotation: Any
    doc: str


_FOREACH = (
    "Use the multi-tensor (``torch._foreach_*``) implementation (``None``: the class decides)."
)

SPECS: dict[str, Spec] = {
    # ---------------------------------------------------------------- the common ones
    "lr": Spec(LearningRate, "Learning rate (required)."),
    "betas": Spec(Beta, "Decay rates of the moment averages, each in ``[0, 1)``."),
    "eps": Spec(Epsilon, "Added to the denominator for numerical stability (> 0)."),
    "weight_decay": Spec(
        NonNegative,
        "Weight decay (>= 0). 0 by default, as ``create_optimizer_v2`` passes it (the "
        "class's own default is not used).",
    ),
    "momentum": Spec(
        UnitInterval,
        "Momentum factor, in ``[0, 1]``; 0.9 by default where timm's registry marks the "
        "optimizer as having momentum, as ``create_optimizer_v2`` sets it.",
    ),
    "dampening": Spec(UnitInterval, "Dampening of the momentum, in ``[0, 1]``."),
    "nesterov": Spec(bool, "Use Nesterov momentum (needs ``momentum > 0``)."),
    "amsgrad": Spec(bool, "Use the running maximum of the second moment (AMSGrad)."),
    "maximize": Spec(bool, "Maximize the objective instead of minimizing it."),
    "foreach": Spec(bool, _FOREACH),
    "capturable": Spec(bool, "Allow capturing the step in a CUDA graph."),
    "differentiable": Spec(bool, "Let autograd differentiate through the step."),
    "fused": Spec(bool, "Use the fused kernel (``None``: torch decides)."),
    "caution": Spec(
        bool,
        "Cautious update: mask the components of the update whose sign disagrees with the "
        "gradient (Liang et al., *Cautious Optimizers*, 2024); the ``c*`` names set it.",
    ),
    "corrected_weight_decay": Spec(
        bool,
        "Scale the decoupled weight decay by ``lr / max_lr`` (corrected decay, Chou 2025); "
        "the ``*c`` names set it.",
    ),
    "decoupled_decay": Spec(bool, "Decoupled weight decay (AdamW-style) instead of an L2 term."),
    "decoupled_weight_decay": Spec(
        bool, "Decoupled weight decay (AdamW-style) instead of an L2 term."
    ),
    "decoupled": Spec(bool, "Decoupled weight decay (AdamW-style) instead of an L2 term."),
    "clipping_threshold": Spec(
        Positive, "Clip the update's RMS to this value (``None``: no clipping)."
    ),
    "centered": Spec(bool, "Normalise by the centred second moment (an estimate of the variance)."),
    "alpha": Spec(
        UnitInterval, "Smoothing constant of the squared-gradient average, in ``[0, 1]``."
    ),
    "rho": Spec(UnitInterval, "Decay rate of the squared-gradient average, in ``[0, 1]``."),
    "lr_decay": Spec(NonNegative, "LR decay per step (Adagrad)."),
    "initial_accumulator_value": Spec(NonNegative, "Starting value of the sum of squares."),
    "momentum_decay": Spec(NonNegative, "Decay of the Nesterov momentum schedule (NAdam's psi)."),
    "schedule_decay": Spec(NonNegative, "Decay of the momentum schedule (legacy NAdam)."),
    "grad_averaging": Spec(bool, "Average the gradient into the first moment with ``1 - beta1``."),
    "bias_correction": Spec(bool, "Correct the bias of the moment estimates."),
    "max_grad_norm": Spec(
        Positive, "Clip the global gradient norm to this value first (``None``: no clipping)."
    ),
    "trust_clip": Spec(bool, "Clip the trust ratio at 1 (LARC / LAMBC)."),
    "always_adapt": Spec(bool, "Apply the trust ratio also to parameters without weight decay."),
    "trust_coeff": Spec(NonNegative, "Trust coefficient of the layer-wise LR (LARS)."),
    "lr_in_momentum": Spec(bool, "Apply the LR inside the momentum buffer (TensorFlow's way)."),
    # ---------------------------------------------------------------- AdaBelief
    "fixed_decay": Spec(bool, "Weight decay not multiplied by the LR."),
    "rectify": Spec(bool, "Rectify the variance as RAdam does."),
    "degenerated_to_sgd": Spec(bool, "Take SGD steps while the variance is not rectified."),
    # ---------------------------------------------------------------- Adafactor
    "eps_scale": Spec(Epsilon, "Lower bound of the parameter scale (Adafactor's eps2)."),
    "clip_threshold": Spec(Positive, "Clip the update's RMS to this value."),
    "decay_rate": Spec(float, "Exponent of the second-moment decay schedule."),
    "scale_parameter": Spec(bool, "Scale the LR by the parameter's RMS."),
    "warmup_init": Spec(bool, "Relative-step warmup (only with timm's relative step size)."),
    "min_dim_size_to_factor": Spec(
        Count, "Factor the second moment only of dimensions at least this large."
    ),
    "decay_offset": Spec(Count, "Steps added before the decay schedule starts."),
    "beta2_cap": Spec(UnitInterval, "Upper bound of the second-moment decay, in ``[0, 1]``."),
    "momentum_dtype": Spec(
        Literal["bfloat16", "float16", "float32"], "dtype of the momentum buffer."
    ),
    "unscaled_wd": Spec(bool, "Weight decay not multiplied by the LR."),
    # ---------------------------------------------------------------- AdaHessian
    "hessian_power": Spec(
        Annotated[float, Field(ge=0.0, le=1.0)], "Power of the Hessian trace, in ``[0, 1]``."
    ),
    "update_each": Spec(AtLeastOne, "Estimate the Hessian every this many steps."),
    "n_samples": Spec(AtLeastOne, "Hutchinson samples per Hessian estimate."),
    "avg_conv_kernel": Spec(bool, "Average the Hessian over each convolution kernel."),
    # ---------------------------------------------------------------- AdamP / SGDP
    "delta": Spec(NonNegative, "Cosine-similarity threshold of the projection."),
    "wd_ratio": Spec(NonNegative, "Weight-decay ratio applied to projected parameters."),
    # ---------------------------------------------------------------- Adan, ADOPT
    "no_prox": Spec(bool, "Decay the weights directly instead of by the proximal update."),
    "clip_exp": Spec(
        NonNegative, "Clip the normalised gradient at ``step ** clip_exp`` (``None``: no clip)."
    ),
    # ---------------------------------------------------------------- Kron
    "preconditioner_update_probability": Spec(
        UnitInterval,
        "Probability of updating the preconditioner at a step (``None``: timm's schedule, "
        "from 1 down to 0.03).",
    ),
    "max_size_triangular": Spec(Count, "Dimensions above this get a diagonal preconditioner."),
    "min_ndim_triangular": Spec(
        Count, "Tensors with fewer dimensions get diagonal preconditioners."
    ),
    "memory_save_mode": Spec(
        Literal["one_diag", "smart_one_diag", "all_diag"],
        "Which preconditioners to make diagonal (``None``: none forced).",
    ),
    "momentum_into_precond_update": Spec(bool, "Feed the momentum into the preconditioner update."),
    "precond_lr": Spec(NonNegative, "Learning rate of the preconditioner."),
    "precond_init_scale": Spec(Positive, "Initial scale of the preconditioner."),
    "mu_dtype": Spec(DType, "dtype of the momentum buffer (``None``: the parameter's)."),
    "precond_dtype": Spec(DType, "dtype of the preconditioner (``None``: float32)."),
    "flatten": Spec(bool, "Flatten tensors of more than 2 dimensions."),
    "flatten_start_dim": Spec(int, "First dimension flattened."),
    "flatten_end_dim": Spec(int, "Last dimension flattened."),
    "stochastic_weight_decay": Spec(
        bool, "Apply weight decay only when the preconditioner updates."
    ),
    "deterministic": Spec(bool, "Draw the update decisions from a fixed seed."),
    # ---------------------------------------------------------------- MADGRAD
    # (momentum, decoupled_decay above)
    # ---------------------------------------------------------------- MARS
    "gamma": Spec(NonNegative, "Scale of the gradient correction (variance reduction)."),
    "mars_type": Spec(Literal["adamw", "lion"], "The base update: ``adamw`` or ``lion``."),
    "optimize_1d": Spec(bool, "Use MARS also for 1-D parameters (else AdamW)."),
    "lr_1d_factor": Spec(NonNegative, "LR factor of the 1-D parameters' AdamW."),
    "betas_1d": Spec(Beta, "Betas of the 1-D parameters' AdamW (``None``: ``betas``)."),
    # ---------------------------------------------------------------- Muon / AdaMuon
    "ns_steps": Spec(AtLeastOne, "Newton-Schulz iterations of the orthogonalisation."),
    "ns_coefficients": Spec(
        Literal["original", "quintic", "polar_express", "polar_express_safer"]
        | tuple[float, float, float]
        | list[tuple[float, float, float]],
        "Newton-Schulz coefficients: a preset name, one ``(a, b, c)`` or one per step.",
    ),
    "safety_factor": Spec(Positive, "Divides the matrix norm before the iteration."),
    "adjust_lr_fn": Spec(
        Literal["original", "match_rms_adamw", "rms_to_rms", "rsqrt_in"],
        "How the LR is scaled by the matrix shape (``None``: not scaled). Muon takes "
        "``original``, ``match_rms_adamw``, ``rms_to_rms``; AdaMuon ``match_rms_adamw``, "
        "``rms_to_rms``, ``rsqrt_in``.",
    ),
    "conv_mode": Spec(Literal["flatten", "batched"], "How convolution kernels are orthogonalised."),
    "normalize_spatial": Spec(bool, "Normalise by the spatial size in ``batched`` mode."),
    "adamw_lr": Spec(
        NonNegative, "Deprecated by timm: the fallback AdamW's LR (use ``fallback_lr_scale``)."
    ),
    "fallback_lr_scale": Spec(
        NonNegative, "LR factor of the AdamW fallback (1-D parameters, fallback groups)."
    ),
    "algo": Spec(Literal["muon", "adamuon"], "``muon`` or ``adamuon``."),
    "scale_eps": Spec(bool, "Scale ``eps`` by the matrix norm."),
    "verbose": Spec(bool, "Log which parameters use the fallback."),
}

OVERRIDES: dict[tuple[str, str], Spec] = {
    # Kron refuses momentum 1 ("Invalid beta parameter").
    ("Kron", "momentum"): Spec(Beta, "Momentum factor, in ``[0, 1)``."),
}
"""Per class (``__name__``) and keyword: a narrower type than :data:`SPECS`."""
