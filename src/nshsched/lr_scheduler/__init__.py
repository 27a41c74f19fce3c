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
# --- torch mirrors and plateau: from .torch_mirrors import ...
# --- Hugging Face set, nshtrainer, ReGNN, DynVision: from .warmup_schedules import ...
# --- step/exponential decay intervals: from .interval_schedules import ...
# --- composition (sequential, per_group): from .composition import ...

__all__ = [
    "ClosedFormLRSchedulerConfigBase",
    "Count",
    "LRSchedulerConfig",
    "LRSchedulerConfigBase",
    "LRSchedulerMetadata",
    "lr_scheduler_registry",
]
