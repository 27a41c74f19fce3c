"""nshsched: PyTorch optimizers and learning-rate schedules as validated configuration.

Importing nshsched imports neither torch nor lightning: configs are plain data. torch is
imported when an optimizer or scheduler is built. The public names, listed once in
``__init__.pyi`` (the package's interface for type checkers too), are loaded on first
access (PEP 562), so ``import nshsched`` itself is cheap; the first use of a scheduler name
or ``lr_scheduler_registry`` loads every built-in scheduler config (and likewise for the
optimizers).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

from .integrations import peers as _peers

__version__ = "0.1.0"


def _public_names() -> dict[str, tuple[str, str]]:
    """``name -> (module, attribute)`` for every ``from .module import attribute as name``
    of the interface file beside this one."""
    tree = ast.parse(Path(__file__).with_name("__init__.pyi").read_text(encoding="utf-8"))
    names: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                names[alias.asname or alias.name] = ("." + (node.module or ""), alias.name)
    return names


_PUBLIC = _public_names()
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    # PEP 562: the definitions are imported on first access. Importing a module under
    # ``lr_scheduler/`` or ``optimizer/`` registers every built-in config of that registry.
    where = _PUBLIC.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = where
    owner = importlib.import_module(module, __name__) if module != "." else None
    if owner is not None and hasattr(owner, attribute):
        value = getattr(owner, attribute)
    else:  # a submodule: ``from . import functional``, ``from .integrations import hydra``
        value = importlib.import_module(f"{module.rstrip('.')}.{attribute}", __name__)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_peers.activate()  # checkpoint loading and LightningCLI, when torch / jsonargparse load
