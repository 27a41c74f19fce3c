"""Optimizer configs: the base class, the registry, and one config per ``torch.optim`` class.

Importing this package registers the built-in configs. torch is imported only when an
optimizer is built.
"""

from .adam import (
    AdafactorConfig,
    AdamaxConfig,
    AdamConfig,
    AdamWConfig,
    NAdamConfig,
    RAdamConfig,
    SparseAdamConfig,
)
from .base import (
    OptimizerConfig,
    OptimizerConfigBase,
    TorchOptimizerConfigBase,
    optimizer_registry,
)
from .classic import (
    AdadeltaConfig,
    AdagradConfig,
    ASGDConfig,
    LBFGSConfig,
    MuonConfig,
    RMSpropConfig,
    RpropConfig,
    SGDConfig,
)

__all__ = [
    "ASGDConfig",
    "AdadeltaConfig",
    "AdafactorConfig",
    "AdagradConfig",
    "AdamConfig",
    "AdamWConfig",
    "AdamaxConfig",
    "LBFGSConfig",
    "MuonConfig",
    "NAdamConfig",
    "OptimizerConfig",
    "OptimizerConfigBase",
    "RAdamConfig",
    "RMSpropConfig",
    "RpropConfig",
    "SGDConfig",
    "SparseAdamConfig",
    "TorchOptimizerConfigBase",
    "optimizer_registry",
]
