"""Integrations that switch themselves on when their peer library is imported.

nshsched never imports torch, jsonargparse or any other peer to set itself up. Two peers
need a hook *before* the user calls them, in a process that may never have built a config:

- ``torch.serialization``: :func:`nshsched.config.checkpoint.rebuild` is allowlisted for
  ``torch.load(weights_only=True)``, so checkpoints holding configs load in a fresh process;
- ``jsonargparse._typehints``: LightningCLI's parser learns nshsched's ``{name: tag, ...}``
  form (see :mod:`nshsched.integrations.lightning_cli`).

:func:`activate` (run by ``import nshsched``) sets up each peer that is already imported and
adds one small finder to ``sys.meta_path`` that runs the hook right after a peer module is
executed, for peers imported later; the finder removes itself once every hook has run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["activate"]


def _torch_serialization(module: ModuleType) -> None:
    from ..config.checkpoint import allow_in_torch_load

    allow_in_torch_load(module)


def _jsonargparse_typehints(module: ModuleType) -> None:
    from .lightning_cli import install_jsonargparse_adapter

    install_jsonargparse_adapter(module)


_HOOKS: dict[str, Callable[[ModuleType], None]] = {
    "torch.serialization": _torch_serialization,
    "jsonargparse._typehints": _jsonargparse_typehints,
}

_lock = threading.Lock()


def _run(name: str, hook: Callable[[ModuleType], None], module: ModuleType) -> None:
    try:
        hook(module)
    except Exception as e:  # a peer's internals changed: say so, never break its import
        import warnings

        warnings.warn(
            f"nshsched could not set up its integration with {name} ({e!r}); "
            "that integration is unavailable",
            RuntimeWarning,
            stacklevel=2,
        )


class _HookedLoader:
    """A loader that runs the wrapped loader, then the hook on the executed module."""

    def __init__(self, loader: Any, name: str, hook: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._name = name
        self._hook = hook

    def create_module(self, spec: Any) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps the real loader: no trace of this wrapper is left behind.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _run(self._name, self._hook, module)

    def __getattr__(self, name: str) -> Any:  # get_source, is_package, resource readers...
        return getattr(self._loader, name)


class _PeerFinder:
    """A ``sys.meta_path`` finder that never finds anything itself: for a peer module, it
    asks the finders after it and wraps the loader they return."""

    def __init__(self) -> None:
        self.pending: dict[str, Callable[[ModuleType], None]] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.pending:
            return None
        with _lock:
            hook = self.pending.pop(fullname, None)
            if not self.pending and self in sys.meta_path:
                sys.meta_path.remove(self)
        if hook is None:
            return None
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _HookedLoader(spec.loader, fullname, hook)
        return spec


_finder = _PeerFinder()


def activate() -> None:
    """Set up the peers already imported; hook the import of the others (idempotent)."""
    with _lock:
        todo = []
        for name, hook in _HOOKS.items():
            module = sys.modules.get(name)
            if module is not None:
                todo.append((name, hook, module))
            else:
                _finder.pending[name] = hook
        if _finder.pending and _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
    for name, hook, module in todo:
        _run(name, hook, module)
