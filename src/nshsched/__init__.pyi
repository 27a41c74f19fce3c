# The public API of nshsched, and the one list of it: every name here is importable as
# ``nshsched.<name>``. ``__init__.py`` reads this file to load each name lazily from the
# module written beside it (so ``import nshsched`` stays cheap) and to build ``__all__``;
# type checkers read it as the package's interface.

from . import functional as functional
from . import presets as presets
from .config.base import Config as Config
from .config.errors import ConfigValidationError as ConfigValidationError
from .config.registry import RegistrationError as RegistrationError
from .config.registry import Registry as Registry
from .duration import DurationConfig as DurationConfig
from .duration import EpochsConfig as EpochsConfig
from .duration import FractionConfig as FractionConfig
from .duration import StepsConfig as StepsConfig
from .duration import TrainingLength as TrainingLength
from .groups.hyperparameters import HyperparameterScheduleConfig as HyperparameterScheduleConfig
from .groups.layer_decay import LayerDecayConfig as LayerDecayConfig
from .groups.optimization import OptimizationConfig as OptimizationConfig
from .groups.param_group import ParamGroupConfig as ParamGroupConfig
from .groups.preview import preview as preview
from .groups.preview import preview_groups as preview_groups
from .groups.several import OptimizersConfig as OptimizersConfig
from .integrations import hydra as hydra
from .integrations.lr_finder import LRFindResult as LRFindResult
from .integrations.lr_finder import lr_find as lr_find
from .lr_scheduler.base import ClosedFormLRSchedulerConfigBase as ClosedFormLRSchedulerConfigBase
from .lr_scheduler.base import LRSchedulerConfig as LRSchedulerConfig
from .lr_scheduler.base import LRSchedulerConfigBase as LRSchedulerConfigBase
from .lr_scheduler.base import LRSchedulerMetadata as LRSchedulerMetadata
from .lr_scheduler.base import lr_scheduler_registry as lr_scheduler_registry
from .lr_scheduler.composition import PerGroupSchedulerConfig as PerGroupSchedulerConfig
from .lr_scheduler.composition import SequentialPhaseConfig as SequentialPhaseConfig
from .lr_scheduler.composition import SequentialSchedulerConfig as SequentialSchedulerConfig
from .lr_scheduler.hf import ConstantSchedulerConfig as ConstantSchedulerConfig
from .lr_scheduler.hf import ConstantWithWarmupSchedulerConfig as ConstantWithWarmupSchedulerConfig
from .lr_scheduler.hf import CosineSchedulerConfig as CosineSchedulerConfig
from .lr_scheduler.hf import CosineWithRestartsSchedulerConfig as CosineWithRestartsSchedulerConfig
from .lr_scheduler.hf import InverseSqrtSchedulerConfig as InverseSqrtSchedulerConfig
from .lr_scheduler.hf import LinearSchedulerConfig as LinearSchedulerConfig
from .lr_scheduler.hf_absolute import (
    CosineWarmupWithMinLRSchedulerConfig as CosineWarmupWithMinLRSchedulerConfig,
)
from .lr_scheduler.hf_absolute import (
    CosineWithMinLRSchedulerConfig as CosineWithMinLRSchedulerConfig,
)
from .lr_scheduler.hf_absolute import PolynomialSchedulerConfig as PolynomialSchedulerConfig
from .lr_scheduler.hf_wsd import (
    WarmupStableDecaySchedulerConfig as WarmupStableDecaySchedulerConfig,
)
from .lr_scheduler.intervals import ExponentialDecayConfig as ExponentialDecayConfig
from .lr_scheduler.intervals import ExponentialDecayIntervalConfig as ExponentialDecayIntervalConfig
from .lr_scheduler.intervals import StepDecayConfig as StepDecayConfig
from .lr_scheduler.intervals import StepDecayIntervalConfig as StepDecayIntervalConfig
from .lr_scheduler.plateau import ReduceLROnPlateauConfig as ReduceLROnPlateauConfig
from .lr_scheduler.timm_mirrors import TimmCosineConfig as TimmCosineConfig
from .lr_scheduler.timm_mirrors import TimmPolyConfig as TimmPolyConfig
from .lr_scheduler.timm_mirrors import TimmTanhConfig as TimmTanhConfig
from .lr_scheduler.timm_steps import TimmMultiStepConfig as TimmMultiStepConfig
from .lr_scheduler.timm_steps import TimmStepConfig as TimmStepConfig
from .lr_scheduler.torch_cyclic import CyclicLRConfig as CyclicLRConfig
from .lr_scheduler.torch_cyclic import OneCycleLRConfig as OneCycleLRConfig
from .lr_scheduler.torch_mirrors import ConstantLRConfig as ConstantLRConfig
from .lr_scheduler.torch_mirrors import CosineAnnealingLRConfig as CosineAnnealingLRConfig
from .lr_scheduler.torch_mirrors import (
    CosineAnnealingWarmRestartsConfig as CosineAnnealingWarmRestartsConfig,
)
from .lr_scheduler.torch_mirrors import ExponentialLRConfig as ExponentialLRConfig
from .lr_scheduler.torch_mirrors import LinearLRConfig as LinearLRConfig
from .lr_scheduler.torch_mirrors import MultiStepLRConfig as MultiStepLRConfig
from .lr_scheduler.torch_mirrors import PolynomialLRConfig as PolynomialLRConfig
from .lr_scheduler.torch_mirrors import StepLRConfig as StepLRConfig
from .lr_scheduler.warmup_cosine import (
    LinearWarmupCosineAnnealingLRConfig as LinearWarmupCosineAnnealingLRConfig,
)
from .lr_scheduler.warmup_cosine import (
    LinearWarmupCosineDecayLRSchedulerConfig as LinearWarmupCosineDecayLRSchedulerConfig,
)
from .lr_scheduler.warmup_cosine import WarmupCosineConfig as WarmupCosineConfig
from .optimizer.adam import AdafactorConfig as AdafactorConfig
from .optimizer.adam import AdamaxConfig as AdamaxConfig
from .optimizer.adam import AdamConfig as AdamConfig
from .optimizer.adam import AdamWConfig as AdamWConfig
from .optimizer.adam import NAdamConfig as NAdamConfig
from .optimizer.adam import RAdamConfig as RAdamConfig
from .optimizer.adam import SparseAdamConfig as SparseAdamConfig
from .optimizer.base import OptimizerConfig as OptimizerConfig
from .optimizer.base import OptimizerConfigBase as OptimizerConfigBase
from .optimizer.base import optimizer_registry as optimizer_registry
from .optimizer.classic import AdadeltaConfig as AdadeltaConfig
from .optimizer.classic import AdagradConfig as AdagradConfig
from .optimizer.classic import ASGDConfig as ASGDConfig
from .optimizer.classic import RMSpropConfig as RMSpropConfig
from .optimizer.classic import RpropConfig as RpropConfig
from .optimizer.classic import SGDConfig as SGDConfig
from .optimizer.schedule_free import ScheduleFreeAdamWConfig as ScheduleFreeAdamWConfig
from .optimizer.schedule_free import ScheduleFreeRAdamConfig as ScheduleFreeRAdamConfig
from .optimizer.schedule_free import ScheduleFreeSGDConfig as ScheduleFreeSGDConfig
from .optimizer.schedule_free_modes import ScheduleFreeCallback as ScheduleFreeCallback
from .optimizer.structured import LBFGSConfig as LBFGSConfig
from .optimizer.structured import MuonConfig as MuonConfig
from .runtime.checks import HorizonWarning as HorizonWarning

__version__: str
__all__: list[str]
