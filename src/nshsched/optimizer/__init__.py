"""Optimizer configs: the base class, the registry, one config per ``torch.optim`` class,
and the schedule-free optimizers (:mod:`.schedule_free`).

Importing this package registers the built-in configs. torch is imported only when an
optimizer is built. timm's optimizers (:mod:`.timm`) are registered by nshsched's
``nshsched`` entry point when timm is installed, not by this import.
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
from .schedule_free import (
    ScheduleFreeAdamWConfig,
    ScheduleFreeOptimizerConfigBase,
    ScheduleFreeRAdamConfig,
    ScheduleFreeSGDConfig,
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
    "ScheduleFreeAdamWConfig",
    "ScheduleFreeOptimizerConfigBase",
    "ScheduleFreeRAdamConfig",
    "ScheduleFreeSGDConfig",
    "SparseAdamConfig",
    "TorchOptimizerConfigBase",
    "optimizer_registry",
]
