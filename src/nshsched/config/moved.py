"""Classes that moved to another module of nshsched, still found under their old path.

A config class is named by its module path in files nshsched does not write: a LightningCLI
YAML (``class_path: nshsched.lr_scheduler.hf.WarmupStableDecaySchedulerConfig``), the
hyperparameters a LightningCLI checkpoint records, a Hydra ``_target_``. When a class moves,
its old module keeps answering for it, lazily (no import cycle), through :func:`moved_to`:
the class is the public one of that name (``nshsched/__init__.pyi`` says where it lives now),
as :mod:`nshsched.config.checkpoint` finds a class whose module moved.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from typing import Any

__all__ = ["moved_to"]


def moved_to(module: str, moved: Collection[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for module ``module`` answering each name of ``moved`` (public
    names of classes that left it) with the public class of that name.

    Example:
        >>> import nshsched.lr_scheduler.hf as hf
        >>> hf.WarmupStableDecaySchedulerConfig.__module__  # moved in the third release
        'nshsched.lr_scheduler.hf_wsd'
    """

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module("nshsched"), name)

    return __getattr__
