"""Optimizer configs: the base class, the registry, one config per ``torch.optim`` class,
the schedule-free optimizers and timm's.

- :mod:`~nshsched.optimizer.base` — :class:`~nshsched.OptimizerConfigBase`, the registry, and
  the bridge to ``torch.optim`` (fields named like torch's keywords, built as
  ``torch_cls(params, **fields)``).
- :mod:`~nshsched.optimizer.fields` — the field types and the options torch's optimizers
  share, written once.
- :mod:`~nshsched.optimizer.adam` — the Adam family; :mod:`~nshsched.optimizer.classic` —
  SGD and the other element-wise optimizers; :mod:`~nshsched.optimizer.structured` — LBFGS
  and Muon.
- :mod:`~nshsched.optimizer.schedule_free` — the ``schedulefree`` package's optimizers.
- :mod:`~nshsched.optimizer.timm` — every optimizer of ``timm.optim``'s registry, registered
  by nshsched's ``nshsched`` entry point (not by this import).

Importing this package registers every built-in config; torch is imported only when an
optimizer is built.
"""

# Each module registers its configs when imported.
from . import adam, classic, schedule_free, structured  # noqa: F401
