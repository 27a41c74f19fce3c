"""LR scheduler configs: the base classes and every built-in schedule.

- :mod:`~nshsched.lr_scheduler.base` — :class:`~nshsched.LRSchedulerConfigBase`,
  :class:`~nshsched.ClosedFormLRSchedulerConfigBase`, the registry and the field type.
- :mod:`~nshsched.lr_scheduler.torch_mirrors`, :mod:`~nshsched.lr_scheduler.torch_cyclic` —
  one config per ``torch.optim.lr_scheduler`` class, step for step equal to it.
- :mod:`~nshsched.lr_scheduler.hf`, :mod:`~nshsched.lr_scheduler.hf_absolute`,
  :mod:`~nshsched.lr_scheduler.hf_wsd` — the schedules of Hugging Face's ``get_scheduler``.
- :mod:`~nshsched.lr_scheduler.timm_mirrors`, :mod:`~nshsched.lr_scheduler.timm_steps` — timm's
  schedulers.
- :mod:`~nshsched.lr_scheduler.warmup_cosine` — nshtrainer's, ReGNN's and DynVision's.
- :mod:`~nshsched.lr_scheduler.intervals` — absolute LRs on step intervals (the RL reference).
- :mod:`~nshsched.lr_scheduler.composition` — ``sequential`` and ``per_group``.
- :mod:`~nshsched.lr_scheduler.plateau` — ``reduce_lr_on_plateau``.

Importing this package registers every built-in config (the public names are listed once,
in ``nshsched/__init__.pyi``).
"""

# Each module registers its configs when imported.
from . import (  # noqa: F401
    composition,
    hf,
    hf_absolute,
    hf_wsd,
    intervals,
    plateau,
    timm_mirrors,
    timm_steps,
    torch_cyclic,
    torch_mirrors,
    warmup_cosine,
)
