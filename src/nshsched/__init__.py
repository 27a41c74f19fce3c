"""nshsched: PyTorch optimizers and learning-rate schedules as validated configuration.

Importing nshsched imports neither torch nor lightning: configs are plain data. torch is
imported when an optimizer or scheduler is built.
"""

from . import functional
from .config import Config
from .duration import DurationConfig, EpochsConfig, FractionConfig, StepsConfig, TrainingLength
from .lr_scheduler import (
    ClosedFormLRSchedulerConfigBase,
    LRSchedulerConfig,
    LRSchedulerConfigBase,
    LRSchedulerMetadata,
    lr_scheduler_registry,
)
from .preview import preview
from .registry import RegistrationError, Registry

__version__ = "0.1.0"

__all__ = [
    "ClosedFormLRSchedulerConfigBase",
    "Config",
    "DurationConfig",
    "EpochsConfig",
    "FractionConfig",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "RegistrationError",
    "Registry",
    "StepsConfig",
    "TrainingLength",
    "functional",
    "lr_scheduler_registry",
    "preview",
]
