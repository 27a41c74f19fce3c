"""``LBFGS`` and ``Muon``: steps that see a parameter (or all of them) as a whole.

LBFGS searches along a direction built from the history of the whole parameter vector; Muon
orthogonalises each matrix's momentum. Fields follow torch's keywords and the newest torch's
(2.14) defaults, except ``lr``, which must be given (see :mod:`nshsched.optimizer.classic`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from .base import TorchOptimizerConfigBase, optimizer_registry
from .fields import (
    Epsilon,
    LearningRate,
    NonNegative,
    UnitInterval,
)

__all__ = ["LBFGSConfig", "MuonConfig"]


@optimizer_registry.register
class LBFGSConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.LBFGS``: limited-memory BFGS (full-batch; ``step`` needs a closure).

    .. math::
        \begin{cases}
        d_k = -H_k \nabla f(\theta_k)
            & H_k \text{ from the last } m \text{ pairs } (s_i, y_i) \\
        \theta_{k+1} = \theta_k + \alpha_k d_k
            & \alpha_k = \gamma \text{ (or strong-Wolfe line search)} \\
        s_k = \theta_{k+1} - \theta_k, \quad y_k = \nabla f(\theta_{k+1}) - \nabla f(\theta_k)
        \end{cases}

    :math:`\gamma` ``lr``, :math:`m` ``history_size``; one ``step`` runs up to ``max_iter``
    iterations and ``max_eval`` evaluations of the closure.

    Differs from torch: ``lr`` has no default (torch: 1) and must be ``> 0``;
    ``max_iter``, ``max_eval`` and ``history_size`` must be ``>= 1``. ``line_search_fn`` other than
    ``"strong_wolfe"``/``None`` is a validation error (torch raises on the first step). As in
    torch, only one parameter group is supported.

    References: Nocedal & Wright, *Numerical Optimization*, 2006, algorithm 7.5.
    """

    torch_name: ClassVar[str] = "LBFGS"
    torch_keyword_versions: ClassVar[Mapping[str, str]] = {"maximize": "2.14"}
    name: Literal["lbfgs"] = "lbfgs"
    lr: Annotated[float, Field(gt=0.0)]
    """Learning rate :math:`\\gamma` (required, ``> 0``: torch's strong-Wolfe line search
    divides by it)."""
    max_iter: Annotated[int, Field(ge=1)] = 20
    """Maximal number of iterations per ``step`` (``>= 1``)."""
    max_eval: Annotated[int, Field(ge=1)] | None = None
    """Maximal number of closure evaluations per ``step`` (``None``: ``max_iter * 5 // 4``)."""
    tolerance_grad: NonNegative = 1e-7
    """Termination tolerance on first-order optimality."""
    tolerance_change: NonNegative = 1e-9
    """Termination tolerance on function value or parameter changes."""
    history_size: Annotated[int, Field(ge=1)] = 100
    """Update history size :math:`m` (``>= 1``: torch fails on the second iteration with 0)."""
    line_search_fn: Literal["strong_wolfe"] | None = None
    """``"strong_wolfe"`` or ``None`` (a fixed step of ``lr``)."""
    maximize: bool = False
    """Maximize the objective instead of minimizing it (torch >= 2.14; with an older torch
    only the default ``False`` builds)."""


@optimizer_registry.register
class MuonConfig(TorchOptimizerConfigBase):
    r"""``torch.optim.Muon``: momentum orthogonalized by Newton-Schulz (2-D parameters only).

    .. math::
        \begin{cases}
        B_t = \mu B_{t-1} + (1 - \mu) G_t, \quad
        U_t = \mu B_t + (1 - \mu) G_t \ \text{(nesterov) else } B_t \\
        O_t = \mathrm{NS}_{k}(U_t) \approx U_t (U_t^\top U_t)^{-1/2} \\
        \theta_t = \theta_{t-1}(1 - \gamma\lambda) - \gamma\, s(A, B)\, O_t
        \end{cases}

    :math:`\gamma` ``lr``, :math:`\mu` ``momentum``, :math:`\lambda` ``weight_decay``,
    :math:`k` ``ns_steps`` Newton-Schulz iterations with coefficients ``ns_coefficients``
    (normalized by :math:`\max(\lVert U_t \rVert, \epsilon)`), :math:`s(A, B)` the
    ``adjust_lr_fn`` scale for an :math:`A \times B` parameter: ``"original"``/``None``
    :math:`\sqrt{\max(1, A/B)}`, ``"match_rms_adamw"`` :math:`0.2 \sqrt{\max(A, B)}`.

    Differs from torch: ``lr`` has no default (torch: 1e-3). ``ns_steps >= 100`` and an
    unknown ``adjust_lr_fn`` are validation errors (torch raises later), and so are
    ``ns_coefficients`` whose polynomial, iterated ``ns_steps`` times, drives a singular value
    in ``[0, 1]`` beyond 1e3 (the update would overflow). As in torch, every
    parameter must be 2-D: put biases, norms and embeddings in another optimizer.

    Needs torch >= 2.9.

    References: Jordan et al., *Muon: An optimizer for hidden layers in neural networks*,
    2024.
    """

    torch_name: ClassVar[str] = "Muon"
    torch_min_version: ClassVar[str | None] = "2.9"
    name: Literal["muon"] = "muon"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    weight_decay: NonNegative = 0.1
    """Decoupled weight decay :math:`\\lambda`."""
    momentum: UnitInterval = 0.95
    """Momentum factor :math:`\\mu`, in ``[0, 1]``."""
    nesterov: bool = True
    """Use Nesterov momentum."""
    ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315)
    """Coefficients :math:`(a, b, c)` of the quintic Newton-Schulz iteration."""
    eps: Epsilon = 1e-7
    """Floor of the norm that normalizes the update before the iteration."""
    ns_steps: Annotated[int, Field(ge=0, lt=100)] = 5
    """Number of Newton-Schulz iterations :math:`k`, in ``[0, 100)``."""
    adjust_lr_fn: Literal["original", "match_rms_adamw"] | None = None
    """How the learning rate is scaled with the parameter's shape (``None``: ``"original"``)."""

    @model_validator(mode="after")
    def _check_newton_schulz(self) -> Self:
        # The update is normalized to a Frobenius norm <= 1, so its singular values start
        # in [0, 1]; each iteration maps a singular value x to a x + b x**3 + c x**5.
        import numpy as np

        a, b, c = self.ns_coefficients
        x = np.linspace(0.0, 1.0, 2049)
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(self.ns_steps):
                x = a * x + b * x**3 + c * x**5
                if not np.all(np.abs(x) <= _NS_LIMIT):
                    break
        if not np.all(np.abs(x) <= _NS_LIMIT):
            raise ValueError(
                f"ns_coefficients={self.ns_coefficients} iterated ns_steps={self.ns_steps} "
                f"times drive a singular value beyond {_NS_LIMIT:g} (the orthogonalization "
                "diverges; torch's update would overflow float32)"
            )
        return self


_NS_LIMIT = 1e3
