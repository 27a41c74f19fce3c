"""LR scheduler configs: the base classes and every built-in schedule.

Importing this package registers the built-in configs.
"""

from .base import (
    ClosedFormLRSchedulerConfigBase,
    Count,
    LRSchedulerConfig,
    LRSchedulerConfigBase,
    LRSchedulerMetadata,
    lr_scheduler_registry,
)

# Built-in configs (each module registers its classes on import).
from .composition import (
    PerGroupSchedulerConfig,
    SequentialPhaseConfig,
    SequentialSchedulerConfig,
)
from .hf import (
    ConstantSchedulerConfig,
    ConstantWithWarmupSchedulerConfig,
    CosineSchedulerConfig,
    CosineWithRestartsSchedulerConfig,
    InverseSqrtSchedulerConfig,
    LinearSchedulerConfig,
    WarmupStableDecaySchedulerConfig,
)
from .hf_absolute import (
    CosineWarmupWithMinLRSchedulerConfig,
    CosineWithMinLRSchedulerConfig,
    PolynomialSchedulerConfig,
)
from .intervals import (
    ExponentialDecayConfig,
    ExponentialDecayIntervalConfig,
    StepDecayConfig,
    StepDecayIntervalConfig,
)
from .plateau import ReduceLROnPlateauConfig
from .timm_mirrors import (
    TimmCosineConfig,
    TimmMultiStepConfig,
    TimmPolyConfig,
    TimmStepConfig,
    TimmTanhConfig,
)
from .torch_cyclic import CyclicLRConfig, OneCycleLRConfig
from .torch_mirrors import (
    ConstantLRConfig,
    CosineAnnealingLRConfig,
    CosineAnnealingWarmRestartsConfig,
    ExponentialLRConfig,
    LinearLRConfig,
    MultiStepLRConfig,
    PolynomialLRConfig,
    StepLRConfig,
)
from .warmup_cosine import (
    LinearWarmupCosineAnnealingLRConfig,
    LinearWarmupCosineDecayLRSchedulerConfig,
    WarmupCosineConfig,
)

__all__ = [
    "ClosedFormLRSchedulerConfigBase",
    "ConstantLRConfig",
    "ConstantSchedulerConfig",
    "ConstantWithWarmupSchedulerConfig",
    "CosineAnnealingLRConfig",
    "CosineAnnealingWarmRestartsConfig",
    "CosineSchedulerConfig",
    "CosineWarmupWithMinLRSchedulerConfig",
    "CosineWithMinLRSchedulerConfig",
    "CosineWithRestartsSchedulerConfig",
    "Count",
    "CyclicLRConfig",
    "ExponentialDecayConfig",
    "ExponentialDecayIntervalConfig",
    "ExponentialLRConfig",
    "InverseSqrtSchedulerConfig",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "LinearLRConfig",
    "LinearSchedulerConfig",
    "LinearWarmupCosineAnnealingLRConfig",
    "LinearWarmupCosineDecayLRSchedulerConfig",
    "MultiStepLRConfig",
    "OneCycleLRConfig",
    "PerGroupSchedulerConfig",
    "PolynomialLRConfig",
    "PolynomialSchedulerConfig",
    "ReduceLROnPlateauConfig",
    "SequentialPhaseConfig",
    "SequentialSchedulerConfig",
    "StepDecayConfig",
    "StepDecayIntervalConfig",
    "StepLRConfig",
    "TimmCosineConfig",
    "TimmMultiStepConfig",
    "TimmPolyConfig",
    "TimmStepConfig",
    "TimmTanhConfig",
    "WarmupCosineConfig",
    "WarmupStableDecaySchedulerConfig",
    "lr_scheduler_registry",
]
