"""nshsched: PyTorch optimizers and learning-rate schedules as validated configuration.

Importing nshsched imports neither torch nor lightning: configs are plain data. torch is
imported when an optimizer or scheduler is built. The public names are loaded on first
access (PEP 562), so ``import nshsched`` itself is cheap; the first use of a scheduler name
or ``lr_scheduler_registry`` loads every built-in scheduler config (and likewise for the
optimizers).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import functional, presets
    from ._preview import preview, preview_groups
    from .config import Config
    from .duration import DurationConfig, EpochsConfig, FractionConfig, StepsConfig, TrainingLength
    from .hyperparameters import HyperparameterScheduleConfig
    from .integrations import hydra
    from .integrations.schedule_free import ScheduleFreeCallback
    from .layer_decay import LayerDecayConfig
    from .lr_finder import LRFindResult, lr_find
    from .lr_scheduler import (
        ClosedFormLRSchedulerConfigBase,
        ConstantLRConfig,
        ConstantSchedulerConfig,
        ConstantWithWarmupSchedulerConfig,
        CosineAnnealingLRConfig,
        CosineAnnealingWarmRestartsConfig,
        CosineSchedulerConfig,
        CosineWarmupWithMinLRSchedulerConfig,
        CosineWithMinLRSchedulerConfig,
        CosineWithRestartsSchedulerConfig,
        CyclicLRConfig,
        ExponentialDecayConfig,
        ExponentialDecayIntervalConfig,
        ExponentialLRConfig,
        InverseSqrtSchedulerConfig,
        LinearLRConfig,
        LinearSchedulerConfig,
        LinearWarmupCosineAnnealingLRConfig,
        LinearWarmupCosineDecayLRSchedulerConfig,
        LRSchedulerConfig,
        LRSchedulerConfigBase,
        LRSchedulerMetadata,
        MultiStepLRConfig,
        OneCycleLRConfig,
        PerGroupSchedulerConfig,
        PolynomialLRConfig,
        PolynomialSchedulerConfig,
        ReduceLROnPlateauConfig,
        SequentialPhaseConfig,
        SequentialSchedulerConfig,
        StepDecayConfig,
        StepDecayIntervalConfig,
        StepLRConfig,
        TimmCosineConfig,
        TimmMultiStepConfig,
        TimmPolyConfig,
        TimmStepConfig,
        TimmTanhConfig,
        WarmupCosineConfig,
        WarmupStableDecaySchedulerConfig,
        lr_scheduler_registry,
    )
    from .optimizer import (
        AdadeltaConfig,
        AdafactorConfig,
        AdagradConfig,
        AdamaxConfig,
        AdamConfig,
        AdamWConfig,
        ASGDConfig,
        LBFGSConfig,
        MuonConfig,
        NAdamConfig,
        OptimizerConfig,
        OptimizerConfigBase,
        RAdamConfig,
        RMSpropConfig,
        RpropConfig,
        ScheduleFreeAdamWConfig,
        ScheduleFreeRAdamConfig,
        ScheduleFreeSGDConfig,
        SGDConfig,
        SparseAdamConfig,
        optimizer_registry,
    )
    from .param_groups import OptimizationConfig, ParamGroupConfig
    from .registry import RegistrationError, Registry
    from .runtime.plan import HorizonWarning
    from .several_optimizers import OptimizersConfig

__version__ = "0.1.0"

from . import _peers

_peers.activate()  # checkpoint loading and LightningCLI, when torch / jsonargparse load

__all__ = [
    "ASGDConfig",
    "AdadeltaConfig",
    "AdafactorConfig",
    "AdagradConfig",
    "AdamConfig",
    "AdamWConfig",
    "AdamaxConfig",
    "ClosedFormLRSchedulerConfigBase",
    "Config",
    "ConstantLRConfig",
    "ConstantSchedulerConfig",
    "ConstantWithWarmupSchedulerConfig",
    "CosineAnnealingLRConfig",
    "CosineAnnealingWarmRestartsConfig",
    "CosineSchedulerConfig",
    "CosineWarmupWithMinLRSchedulerConfig",
    "CosineWithMinLRSchedulerConfig",
    "CosineWithRestartsSchedulerConfig",
    "CyclicLRConfig",
    "DurationConfig",
    "EpochsConfig",
    "ExponentialDecayConfig",
    "ExponentialDecayIntervalConfig",
    "ExponentialLRConfig",
    "FractionConfig",
    "HorizonWarning",
    "HyperparameterScheduleConfig",
    "InverseSqrtSchedulerConfig",
    "LBFGSConfig",
    "LRFindResult",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "LayerDecayConfig",
    "LinearLRConfig",
    "LinearSchedulerConfig",
    "LinearWarmupCosineAnnealingLRConfig",
    "LinearWarmupCosineDecayLRSchedulerConfig",
    "MultiStepLRConfig",
    "MuonConfig",
    "NAdamConfig",
    "OneCycleLRConfig",
    "OptimizationConfig",
    "OptimizerConfig",
    "OptimizerConfigBase",
    "OptimizersConfig",
    "ParamGroupConfig",
    "PerGroupSchedulerConfig",
    "PolynomialLRConfig",
    "PolynomialSchedulerConfig",
    "RAdamConfig",
    "RMSpropConfig",
    "ReduceLROnPlateauConfig",
    "RegistrationError",
    "Registry",
    "RpropConfig",
    "SGDConfig",
    "ScheduleFreeAdamWConfig",
    "ScheduleFreeCallback",
    "ScheduleFreeRAdamConfig",
    "ScheduleFreeSGDConfig",
    "SequentialPhaseConfig",
    "SequentialSchedulerConfig",
    "SparseAdamConfig",
    "StepDecayConfig",
    "StepDecayIntervalConfig",
    "StepLRConfig",
    "StepsConfig",
    "TimmCosineConfig",
    "TimmMultiStepConfig",
    "TimmPolyConfig",
    "TimmStepConfig",
    "TimmTanhConfig",
    "TrainingLength",
    "WarmupCosineConfig",
    "WarmupStableDecaySchedulerConfig",
    "functional",
    "hydra",
    "lr_find",
    "lr_scheduler_registry",
    "optimizer_registry",
    "presets",
    "preview",
    "preview_groups",
]

_LAZY: dict[str, str] = {
    "AdadeltaConfig": ".optimizer",
    "AdafactorConfig": ".optimizer",
    "AdagradConfig": ".optimizer",
    "AdamaxConfig": ".optimizer",
    "AdamConfig": ".optimizer",
    "AdamWConfig": ".optimizer",
    "ASGDConfig": ".optimizer",
    "ClosedFormLRSchedulerConfigBase": ".lr_scheduler",
    "Config": ".config",
    "ConstantLRConfig": ".lr_scheduler",
    "ConstantSchedulerConfig": ".lr_scheduler",
    "ConstantWithWarmupSchedulerConfig": ".lr_scheduler",
    "CosineAnnealingLRConfig": ".lr_scheduler",
    "CosineAnnealingWarmRestartsConfig": ".lr_scheduler",
    "CosineSchedulerConfig": ".lr_scheduler",
    "CosineWarmupWithMinLRSchedulerConfig": ".lr_scheduler",
    "CosineWithMinLRSchedulerConfig": ".lr_scheduler",
    "CosineWithRestartsSchedulerConfig": ".lr_scheduler",
    "CyclicLRConfig": ".lr_scheduler",
    "DurationConfig": ".duration",
    "EpochsConfig": ".duration",
    "ExponentialDecayConfig": ".lr_scheduler",
    "ExponentialDecayIntervalConfig": ".lr_scheduler",
    "ExponentialLRConfig": ".lr_scheduler",
    "FractionConfig": ".duration",
    "functional": ".functional",  # a submodule
    "HyperparameterScheduleConfig": ".hyperparameters",
    "hydra": ".integrations.hydra",  # a submodule
    "InverseSqrtSchedulerConfig": ".lr_scheduler",
    "LayerDecayConfig": ".layer_decay",
    "LBFGSConfig": ".optimizer",
    "LinearLRConfig": ".lr_scheduler",
    "LinearSchedulerConfig": ".lr_scheduler",
    "LinearWarmupCosineAnnealingLRConfig": ".lr_scheduler",
    "LinearWarmupCosineDecayLRSchedulerConfig": ".lr_scheduler",
    "lr_find": ".lr_finder",
    "LRFindResult": ".lr_finder",
    "lr_scheduler_registry": ".lr_scheduler",
    "LRSchedulerConfig": ".lr_scheduler",
    "LRSchedulerConfigBase": ".lr_scheduler",
    "LRSchedulerMetadata": ".lr_scheduler",
    "MultiStepLRConfig": ".lr_scheduler",
    "MuonConfig": ".optimizer",
    "NAdamConfig": ".optimizer",
    "OneCycleLRConfig": ".lr_scheduler",
    "OptimizationConfig": ".param_groups",
    "optimizer_registry": ".optimizer",
    "OptimizerConfig": ".optimizer",
    "OptimizerConfigBase": ".optimizer",
    "OptimizersConfig": ".several_optimizers",
    "ParamGroupConfig": ".param_groups",
    "PerGroupSchedulerConfig": ".lr_scheduler",
    "PolynomialLRConfig": ".lr_scheduler",
    "PolynomialSchedulerConfig": ".lr_scheduler",
    "presets": ".presets",  # a submodule
    "preview": "._preview",
    "preview_groups": "._preview",
    "HorizonWarning": ".runtime.plan",
    "RAdamConfig": ".optimizer",
    "ReduceLROnPlateauConfig": ".lr_scheduler",
    "RegistrationError": ".registry",
    "Registry": ".registry",
    "RMSpropConfig": ".optimizer",
    "RpropConfig": ".optimizer",
    "SequentialPhaseConfig": ".lr_scheduler",
    "SequentialSchedulerConfig": ".lr_scheduler",
    "SGDConfig": ".optimizer",
    "ScheduleFreeAdamWConfig": ".optimizer",
    "ScheduleFreeCallback": ".integrations.schedule_free",
    "ScheduleFreeRAdamConfig": ".optimizer",
    "ScheduleFreeSGDConfig": ".optimizer",
    "SparseAdamConfig": ".optimizer",
    "StepDecayConfig": ".lr_scheduler",
    "StepDecayIntervalConfig": ".lr_scheduler",
    "StepLRConfig": ".lr_scheduler",
    "StepsConfig": ".duration",
    "TrainingLength": ".duration",
    "TimmCosineConfig": ".lr_scheduler",
    "TimmMultiStepConfig": ".lr_scheduler",
    "TimmPolyConfig": ".lr_scheduler",
    "TimmStepConfig": ".lr_scheduler",
    "TimmTanhConfig": ".lr_scheduler",
    "WarmupCosineConfig": ".lr_scheduler",
    "WarmupStableDecaySchedulerConfig": ".lr_scheduler",
}
"""Where each public name is defined (``name -> module``, relative to this package)."""


def __getattr__(name: str) -> Any:
    # PEP 562: the definitions are imported on first access, so ``import nshsched`` stays
    # cheap (pydantic and the config classes load when a name is first used). Importing
    # ``.lr_scheduler`` / ``.optimizer`` registers every built-in config of that registry.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(module_name, __name__)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
