"""``SGD``, ``ASGD``, ``Adadelta``, ``Adagrad``, ``RMSprop``, ``Rprop``: element-wise steps.

Every field is named like torch's keyword and has the newest torch's (2.14) default, except
``lr``, which must be given (torch has a default). ``lr`` is a float (torch also accepts a
1-element Tensor). Ranges go beyond torch's own checks where torch would produce ``nan`` or
``inf`` (see the Optimizers page).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator
from typing_extensions import Self

from ..config.moved import moved_to
from .base import TorchOptimizerConfigBase, optimizer_registry
from .fields import (
    Capturable,
    Differentiable,
    Epsilon,
    Foreach,
    Fused,
    LearningRate,
    Maximize,
    NonNegative,
    StabilityEpsilon,
    UnitInterval,
)

__all__ = [
    "ASGDConfig",
    "AdadeltaConfig",
    "AdagradConfig",
    "RMSpropConfig",
    "RpropConfig",
    "SGDConfig",
]


def _ordered(bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if low > high:
        raise ValueError(f"the lower bound {low} is above the upper bound {high}")
    return bounds


@optimizer_registry.register
class SGDConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.SGD``: stochastic gradient descent, optionally with (Nesterov) momentum.

    .. math::
        \begin{cases}
        g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        b_t = \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
        \theta_t = \theta_{t-1} - \gamma\, (g_t + \mu b_t) & \text{nesterov} \\
        \theta_t = \theta_{t-1} - \gamma\, b_t & \text{otherwise}
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\mu` ``momentum``, :math:`\tau` ``dampening``,
    :math:`\lambda` ``weight_decay``. Without momentum, :math:`b_t = g_t`.

    Differs from torch: ``lr`` has no default (torch: 1e-3). ``nesterov=True`` with
    ``momentum == 0`` or ``dampening != 0`` is a validation error (torch raises when built).
    """

    torch_name: ClassVar[str] = "SGD"
    name: Literal["sgd"] = "sgd"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    momentum: UnitInterval = 0.0
    """Momentum factor :math:`\\mu`, in ``[0, 1]``."""
    dampening: UnitInterval = 0.0
    """Dampening :math:`\\tau` of the momentum."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`."""
    nesterov: bool = False
    """Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``)."""
    maximize: Maximize = False
    foreach: Foreach = None
    differentiable: Differentiable = False
    fused: Fused = None

    @model_validator(mode="after")
    def _check_nesterov(self) -> Self:
        momentum, dampening = self.momentum, self.dampening
        if self.nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"nesterov=True requires momentum > 0 and dampening == 0, got {momentum=}, "
                f"{dampening=}"
            )
        return self


@optimizer_registry.register
class ASGDConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.ASGD``: averaged stochastic gradient descent.

    .. math::
        \begin{cases}
        \theta_t = \theta_{t-1}(1 - \lambda \eta_{t-1}) - \eta_{t-1} (g_t + w \theta_{t-1}) \\
        \bar\theta_t = \bar\theta_{t-1} + \mu_{t-1} (\theta_t - \bar\theta_{t-1}) \\
        \eta_t = \gamma / (1 + \lambda \gamma t)^{\alpha}, \quad
        \mu_t = 1 / \max(1, t - t_0)
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\lambda` ``lambd``, :math:`\alpha` ``alpha``, :math:`t_0`
    ``t0``, :math:`w` ``weight_decay``; :math:`\bar\theta` is kept in the optimizer state
    (``ax``).

    Differs from torch: ``lr`` has no default (torch: 1e-2).

    References: Polyak & Juditsky, *Acceleration of Stochastic Approximation by Averaging*,
    1992.
    """

    torch_name: ClassVar[str] = "ASGD"
    name: Literal["asgd"] = "asgd"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    lambd: NonNegative = 1e-4
    """Decay term :math:`\\lambda`."""
    alpha: UnitInterval = 0.75
    """Power :math:`\\alpha` of the step-size decay, in ``[0, 1]``."""
    t0: NonNegative = 1e6
    """Step :math:`t_0` at which averaging starts."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`w`."""
    foreach: Foreach = None
    maximize: Maximize = False
    differentiable: Differentiable = False
    capturable: Capturable = False


@optimizer_registry.register
class AdadeltaConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Adadelta``.

    .. math::
        \begin{cases}
        g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \quad
        \Delta_t = \dfrac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t = \rho u_{t-1} + (1 - \rho) \Delta_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \Delta_t
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\rho` ``rho``, :math:`\epsilon` ``eps``, :math:`\lambda`
    ``weight_decay``.

    Differs from torch: ``lr`` has no default (torch: 1.0).

    References: Zeiler, *ADADELTA: An Adaptive Learning Rate Method*, 2012.
    """

    torch_name: ClassVar[str] = "Adadelta"
    name: Literal["adadelta"] = "adadelta"
    lr: LearningRate
    """Coefficient :math:`\\gamma` scaling the update (required; torch's default is 1.0)."""
    rho: UnitInterval = 0.9
    """Decay rate :math:`\\rho` of the squared-gradient and squared-update averages."""
    eps: Epsilon = 1e-6
    """Added inside the square roots for numerical stability."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`."""
    foreach: Foreach = None
    capturable: Capturable = False
    maximize: Maximize = False
    differentiable: Differentiable = False


@optimizer_registry.register
class AdagradConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Adagrad``.

    .. math::
        \begin{cases}
        \tilde\gamma_t = \gamma / (1 + (t - 1)\eta), \quad
        g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        s_t = s_{t-1} + g_t^2 \quad (s_0 = \text{initial_accumulator_value}) \\
        \theta_t = \theta_{t-1} - \tilde\gamma_t\, g_t / (\sqrt{s_t} + \epsilon)
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\eta` ``lr_decay``, :math:`\lambda` ``weight_decay``,
    :math:`\epsilon` ``eps``.

    Differs from torch: ``lr`` has no default (torch: 1e-2).

    References: Duchi et al., *Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization*, JMLR 2011.
    """

    torch_name: ClassVar[str] = "Adagrad"
    name: Literal["adagrad"] = "adagrad"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    lr_decay: NonNegative = 0.0
    """Learning-rate decay :math:`\\eta`."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`."""
    initial_accumulator_value: NonNegative = 0.0
    """Initial value of the squared-gradient sum."""
    eps: Epsilon = 1e-10
    """Added to the denominator for numerical stability."""
    foreach: Foreach = None
    maximize: Maximize = False
    differentiable: Differentiable = False
    fused: Fused = None


@optimizer_registry.register
class RMSpropConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.RMSprop``.

    .. math::
        \begin{cases}
        g_t \leftarrow g_t + \lambda \theta_{t-1}, \quad
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \tilde v_t = v_t - \bar g_t^2 \ \text{(centered, } \bar g_t = \alpha \bar g_{t-1}
            + (1 - \alpha) g_t) \text{, else } \tilde v_t = v_t \\
        b_t = \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
        \theta_t = \theta_{t-1} - \gamma b_t
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\alpha` ``alpha``, :math:`\mu` ``momentum``,
    :math:`\epsilon` ``eps``, :math:`\lambda` ``weight_decay``.

    Differs from torch: ``lr`` has no default (torch: 1e-2).

    References: Hinton, *Neural Networks for Machine Learning*, lecture 6e, 2012.
    """

    torch_name: ClassVar[str] = "RMSprop"
    name: Literal["rmsprop"] = "rmsprop"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    alpha: UnitInterval = 0.99
    """Smoothing constant :math:`\\alpha` of the squared-gradient average, in ``[0, 1]``
    (torch accepts more; above 1 the average turns negative and its square root is ``nan``)."""
    eps: StabilityEpsilon = 1e-8
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`."""
    momentum: UnitInterval = 0.0
    """Momentum factor :math:`\\mu`, in ``[0, 1]``."""
    centered: bool = False
    """Normalize by the estimated variance of the gradient instead of its second moment
    (needs ``alpha >= 1e-6``). As in torch, the variance is a difference of two averages:
    when the gradients repeat step after step (a zero ``lr``), it cancels below float32's
    resolution and the step turns ``nan``."""
    capturable: Capturable = False
    foreach: Foreach = None
    maximize: Maximize = False
    differentiable: Differentiable = False

    @model_validator(mode="after")
    def _check_centered(self) -> Self:
        if self.centered and self.alpha < _MIN_CENTERED_ALPHA:
            raise ValueError(
                f"centered=True needs alpha >= {_MIN_CENTERED_ALPHA:g}, got alpha={self.alpha}: "
                "the variance estimate v - mean(g)**2 is then 0 or, rounded in float32, below "
                "0, and its square root nan"
            )
        return self


_MIN_CENTERED_ALPHA = 1e-6


@optimizer_registry.register
class RpropConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Rprop``: resilient backpropagation (full-batch).

    .. math::
        \begin{cases}
        \eta_t = \min(\eta_{t-1} \eta^{+}, \Gamma_{max}) & g_t g_{t-1} > 0 \\
        \eta_t = \max(\eta_{t-1} \eta^{-}, \Gamma_{min}),\ g_t \leftarrow 0
            & g_t g_{t-1} < 0 \\
        \eta_t = \eta_{t-1} & \text{otherwise} \\
        \theta_t = \theta_{t-1} - \eta_t \operatorname{sign}(g_t), \quad \eta_0 = \gamma
        \end{cases}

    :math:`\gamma` ``lr``, :math:`(\eta^-, \eta^+)` ``etas``, :math:`(\Gamma_{min},
    \Gamma_{max})` ``step_sizes``; all element-wise.

    Differs from torch: ``lr`` has no default (torch: 1e-2).

    References: Riedmiller & Braun, *A Direct Adaptive Method for Faster Backpropagation
    Learning: The RPROP Algorithm*, 1993.
    """

    torch_name: ClassVar[str] = "Rprop"
    name: Literal["rprop"] = "rprop"
    lr: LearningRate
    """Initial step size :math:`\\gamma` (required)."""
    etas: tuple[Annotated[float, Field(gt=0.0, lt=1.0)], Annotated[float, Field(gt=1.0)]] = (
        0.5,
        1.2,
    )
    """:math:`(\\eta^-, \\eta^+)`: factors shrinking (in ``(0, 1)``) and growing (``> 1``) the
    step size."""
    step_sizes: Annotated[tuple[NonNegative, NonNegative], AfterValidator(_ordered)] = (1e-6, 50.0)
    """:math:`(\\Gamma_{min}, \\Gamma_{max})`: the bounds of the step size."""
    capturable: Capturable = False
    foreach: Foreach = None
    maximize: Maximize = False
    differentiable: Differentiable = False


# Moved in the third release; the old path still imports them (class_path, _target_).
__getattr__ = moved_to(__name__, {"LBFGSConfig", "MuonConfig"})
