"""The Adam family: ``AdamW``, ``Adam``, ``Adamax``, ``NAdam``, ``RAdam``, ``SparseAdam``,
``Adafactor``.

Every field is named like torch's keyword and has the newest torch's (2.14) default, except
``lr``, which must be given (torch has a default). ``lr`` is a float (torch also accepts a
1-element Tensor). Ranges go beyond torch's own checks where torch would produce ``nan`` or
``inf`` (see the Optimizers page).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from ..config.errors import field_error
from .base import TorchOptimizerConfigBase, optimizer_registry
from .fields import (
    AMSGrad,
    Beta,
    Betas,
    Capturable,
    Differentiable,
    Epsilon,
    Foreach,
    Fused,
    LearningRate,
    Maximize,
    NonNegative,
    SquaredEpsilon,
    StabilityEpsilon,
)

__all__ = [
    "AdafactorConfig",
    "AdamConfig",
    "AdamWConfig",
    "AdamaxConfig",
    "NAdamConfig",
    "RAdamConfig",
    "SparseAdamConfig",
]


@optimizer_registry.register
class AdamWConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.AdamW``: Adam with decoupled weight decay.

    .. math::
        \begin{cases}
        \theta_t = \theta_{t-1} (1 - \gamma \lambda) \\
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t \leftarrow \theta_t - \gamma \dfrac{m_t / (1 - \beta_1^t)}
            {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\lambda` ``weight_decay``, :math:`\beta_{1,2}` ``betas``,
    :math:`\epsilon` ``eps``, :math:`g_t` the gradient at step :math:`t`.

    Differs from torch: ``lr`` has no default (torch: 1e-3).

    References: Loshchilov & Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019.

    Example:
        >>> import torch
        >>> from nshsched import AdamWConfig
        >>> opt = AdamWConfig(lr=1e-3).create_optimizer(torch.nn.Linear(2, 1).parameters())
        >>> type(opt).__name__, opt.defaults["weight_decay"]
        ('AdamW', 0.01)
    """

    torch_name: ClassVar[str] = "AdamW"
    name: Literal["adamw"] = "adamw"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: Betas = (0.9, 0.999)
    eps: StabilityEpsilon = 1e-8
    weight_decay: NonNegative = 1e-2
    """Decoupled weight decay :math:`\\lambda` (multiplied by ``lr``)."""
    amsgrad: AMSGrad = False
    maximize: Maximize = False
    foreach: Foreach = None
    capturable: Capturable = False
    differentiable: Differentiable = False
    fused: Fused = None


@optimizer_registry.register
class AdamConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Adam``.

    .. math::
        \begin{cases}
        g_t \leftarrow g_t + \lambda \theta_{t-1}
            & \text{(decoupled_weight_decay=False)} \\
        \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda)
            & \text{(decoupled_weight_decay=True, i.e. AdamW)} \\
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t = \theta_{t-1} - \gamma \dfrac{m_t / (1 - \beta_1^t)}
            {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\lambda` ``weight_decay``, :math:`\beta_{1,2}` ``betas``,
    :math:`\epsilon` ``eps``, :math:`g_t` the gradient.

    Differs from torch: ``lr`` has no default (torch: 1e-3).

    References: Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015.
    """

    torch_name: ClassVar[str] = "Adam"
    torch_keyword_versions: ClassVar[Mapping[str, str]] = {"decoupled_weight_decay": "2.7"}
    name: Literal["adam"] = "adam"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: Betas = (0.9, 0.999)
    eps: StabilityEpsilon = 1e-8
    weight_decay: NonNegative = 0.0
    """Weight decay :math:`\\lambda` (L2 penalty unless ``decoupled_weight_decay``)."""
    amsgrad: AMSGrad = False
    foreach: Foreach = None
    maximize: Maximize = False
    capturable: Capturable = False
    differentiable: Differentiable = False
    fused: Fused = None
    decoupled_weight_decay: bool = False
    """Decay the weights directly, as AdamW does, instead of adding an L2 gradient term."""


@optimizer_registry.register
class AdamaxConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Adamax``: Adam with the infinity norm.

    .. math::
        \begin{cases}
        g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t = \theta_{t-1} - \dfrac{\gamma}{1 - \beta_1^t} \dfrac{m_t}{u_t}
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\lambda` ``weight_decay``, :math:`\beta_{1,2}` ``betas``,
    :math:`\epsilon` ``eps``.

    Differs from torch: ``lr`` has no default (torch: 2e-3).

    References: Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015, §7.
    """

    torch_name: ClassVar[str] = "Adamax"
    name: Literal["adamax"] = "adamax"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: tuple[Beta, Beta] = (0.9, 0.999)
    """Decay rates of the first moment and of the infinity norm, each in ``[0, 1)``."""
    eps: Epsilon = 1e-8
    """Added to the infinity norm for numerical stability."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`."""
    foreach: Foreach = None
    maximize: Maximize = False
    differentiable: Differentiable = False
    capturable: Capturable = False


@optimizer_registry.register
class NAdamConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.NAdam``: Adam with Nesterov momentum.

    .. math::
        \begin{cases}
        \mu_t = \beta_1 \left(1 - \tfrac12\, 0.96^{t \psi}\right) \\
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t = \theta_{t-1} - \gamma \left(
            \dfrac{\mu_{t+1} m_t}{1 - \prod_{i=1}^{t+1} \mu_i}
            + \dfrac{(1 - \mu_t) g_t}{1 - \prod_{i=1}^{t} \mu_i} \right)
            \Big/ \left(\sqrt{v_t / (1 - \beta_2^t)} + \epsilon\right)
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\psi` ``momentum_decay``, :math:`\beta_{1,2}` ``betas``,
    :math:`\epsilon` ``eps``; weight decay as in Adam (L2, or decoupled).

    Differs from torch: ``lr`` has no default (torch: 2e-3).

    References: Dozat, *Incorporating Nesterov Momentum into Adam*, ICLR 2016 workshop.
    """

    torch_name: ClassVar[str] = "NAdam"
    name: Literal["nadam"] = "nadam"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: Betas = (0.9, 0.999)
    eps: StabilityEpsilon = 1e-8
    weight_decay: NonNegative = 0.0
    """Weight decay (L2 penalty unless ``decoupled_weight_decay``)."""
    momentum_decay: NonNegative = 4e-3
    """Momentum decay :math:`\\psi`."""
    decoupled_weight_decay: bool = False
    """Decay the weights directly, as AdamW does (NAdamW)."""
    foreach: Foreach = None
    maximize: Maximize = False
    capturable: Capturable = False
    differentiable: Differentiable = False

    @model_validator(mode="after")
    def _first_momentum_below_one(self) -> Self:
        # torch keeps prod(mu) as a float32 scalar and divides by 1 - prod(mu) at the first
        # step: a mu_1 that rounds to 1 in float32 is a ZeroDivisionError inside torch
        mu = self.betas[0] * (1 - 0.5 * 0.96**self.momentum_decay)
        if struct.unpack("f", struct.pack("f", mu))[0] >= 1.0:
            raise field_error(
                ("betas", 0),
                f"betas[0]={self.betas[0]!r} with momentum_decay={self.momentum_decay!r} makes "
                f"the first momentum mu_1 = {mu!r}, which is 1 in float32 (torch divides by "
                "1 - mu_1 at the first step)",
                self.betas[0],
                "lower betas[0] (below 1 - 6e-8) or momentum_decay",
            )
        return self


@optimizer_registry.register
class RAdamConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.RAdam``: Adam with a rectified adaptive term.

    .. math::
        \begin{cases}
        \rho_\infty = \dfrac{2}{1 - \beta_2} - 1, \quad
        \rho_t = \rho_\infty - \dfrac{2 t \beta_2^t}{1 - \beta_2^t} \\
        \theta_t = \theta_{t-1} - \gamma \hat m_t\, r_t \dfrac{\sqrt{1 - \beta_2^t}}
            {\sqrt{v_t} + \epsilon}
            & \rho_t > 5,\quad r_t = \sqrt{\dfrac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
            {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        \theta_t = \theta_{t-1} - \gamma \hat m_t & \text{otherwise}
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\beta_{1,2}` ``betas``, :math:`\epsilon` ``eps``,
    :math:`\hat m_t = m_t / (1 - \beta_1^t)` and :math:`v_t` Adam's moment averages; weight
    decay as in Adam (L2, or decoupled).

    Differs from torch: ``lr`` has no default (torch: 1e-3).

    References: Liu et al., *On the Variance of the Adaptive Learning Rate and Beyond*,
    ICLR 2020.
    """

    torch_name: ClassVar[str] = "RAdam"
    name: Literal["radam"] = "radam"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: Betas = (0.9, 0.999)
    eps: StabilityEpsilon = 1e-8
    weight_decay: NonNegative = 0.0
    """Weight decay (L2 penalty unless ``decoupled_weight_decay``)."""
    decoupled_weight_decay: bool = False
    """Decay the weights directly, as AdamW does (RAdamW)."""
    foreach: Foreach = None
    maximize: Maximize = False
    capturable: Capturable = False
    differentiable: Differentiable = False


@optimizer_registry.register
class SparseAdamConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.SparseAdam``: Adam for sparse gradients (e.g. ``nn.Embedding(sparse=True)``).

    Adam's update (see :class:`AdamConfig`), applied only to the entries present in the sparse
    gradient; the moments of the other entries are left untouched. Parameters must be dense,
    gradients sparse.

    Differs from torch: ``lr`` has no default (torch: 1e-3). As in torch, ``lr`` and ``eps``
    must be strictly positive.
    """

    torch_name: ClassVar[str] = "SparseAdam"
    name: Literal["sparse_adam"] = "sparse_adam"
    lr: Annotated[float, Field(gt=0.0)]
    """Learning rate (required, ``> 0``)."""
    betas: Betas = (0.9, 0.999)
    eps: Epsilon = 1e-8
    """Added to the denominator for numerical stability (``> 0``)."""
    maximize: Maximize = False


@optimizer_registry.register
class AdafactorConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Adafactor``: memory-light Adam with a factored second moment.

    .. math::
        \begin{cases}
        \rho_t = \min(\gamma, 1/\sqrt t), \quad
        \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\, \rho_t \\
        \beta_{2,t} = 1 - t^{c}, \quad
        \hat V_t = \text{factored } \beta_{2,t}\text{-average of } g_t^2
            \text{ (row and column means for matrices)} \\
        U_t = g_t / \sqrt{\max(\hat V_t, \epsilon_1^2)}, \quad
        \theta_t = \theta_{t-1}(1 - \gamma\lambda)
            - \alpha_t\, U_t / \max(1, \mathrm{RMS}(U_t) / d)
        \end{cases}

    :math:`\gamma` ``lr``, :math:`c` ``beta2_decay``, :math:`(\epsilon_1, \epsilon_2)`
    ``eps`` (:math:`\epsilon_1` ``None`` = the dtype's eps), :math:`d` ``d``,
    :math:`\lambda` ``weight_decay``.

    Differs from torch: ``lr`` has no default (torch: 1e-2). Differs from the paper and Hugging
    Face's ``Adafactor``: ``lr`` caps the relative step size :math:`\rho_t` (torch's choice).

    Needs torch >= 2.5.

    References: Shazeer & Stern, *Adafactor: Adaptive Learning Rates with Sublinear Memory
    Cost*, ICML 2018.
    """

    torch_name: ClassVar[str] = "Adafactor"
    torch_min_version: ClassVar[str | None] = "2.5"
    name: Literal["adafactor"] = "adafactor"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required): the maximum relative step size."""
    beta2_decay: Annotated[float, Field(le=0.0)] = -0.8
    """Exponent :math:`c \\le 0` of the second-moment decay schedule :math:`1 - t^c`."""
    eps: tuple[SquaredEpsilon | None, NonNegative] = (None, 1e-3)
    """:math:`(\\epsilon_1, \\epsilon_2)`: floor of the second moment (``None``: the dtype's
    eps) and floor of the parameter RMS."""
    d: Annotated[float, Field(ge=1.0)] = 1.0
    """Update clipping threshold :math:`d \\ge 1`."""
    weight_decay: NonNegative = 0.0
    """Decoupled weight decay :math:`\\lambda`."""
    foreach: Foreach = None
    maximize: Maximize = False
