"""Configs in checkpoints: rebuilt from plain data, allowed by ``torch.load(weights_only=True)``.

A config pickles as ``rebuild("module:QualName", config.model_dump())`` (see
:class:`PickledAsData`, a base of :class:`nshsched.Config`), so a Lightning checkpoint whose
``hyper_parameters`` hold nshsched configs contains no class but this one function. torch's
``weights_only`` unpickler calls only allowlisted functions: :func:`allow_in_torch_load`
puts :func:`rebuild` on that list, and nshsched does so itself as soon as
``torch.serialization`` is imported (see :mod:`nshsched.integrations.peers`), so loading
needs nothing from the user.

A class of nshsched's public API is written under its public name (``"nshsched:AdamWConfig"``),
which no reorganisation of the package moves. Checkpoints written before that (the second
release) name the module that defined the class then (``"nshsched.param_groups:..."``) and
the function ``nshsched._checkpoint.rebuild``: both still load (the old module path falls back
to the public name; the old function name is allowlisted too, and a module of that name
remains for plain ``pickle``). A test loads such a checkpoint.

:func:`rebuild` never imports a module named in the file other than nshsched's own: the
class must already be imported (the user's module that defines it) or be defined by an
installed plugin (see :mod:`nshsched.config.plugins`), and the data is validated like any
config, so it can only build registered classes.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["LEGACY_NAME", "PickledAsData", "allow_in_torch_load", "rebuild"]

LEGACY_NAME = "nshsched._checkpoint.rebuild"
"""Where the second release's checkpoints say :func:`rebuild` is."""

_PUBLIC = "nshsched"


class PickledAsData:
    """Pickles a pydantic model as :func:`rebuild` of its class path and its plain dump."""

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, Any]]]:
        cls = type(self)
        public = sys.modules.get(_PUBLIC)
        if cls.__module__.startswith(_PUBLIC + ".") and getattr(public, cls.__name__, None) is cls:
            path = f"{_PUBLIC}:{cls.__name__}"  # stable across moves inside the package
        else:
            path = f"{cls.__module__}:{cls.__qualname__}"
        return rebuild, (path, self.model_dump(round_trip=True))  # type: ignore[attr-defined]


def rebuild(path: str, data: dict[str, Any]) -> Any:
    """The config of class ``path`` (``"module:QualName"``) validated from ``data``.

    Raises:
        ValueError: ``path`` is not an nshsched config class that is imported, or ``data``
            is not valid for it.
    """
    from ..loading.quote import quote

    if not isinstance(path, str) or ":" not in path or not isinstance(data, dict):
        raise ValueError(f"not an nshsched config record: {quote(path)}")
    module_name, _, qualname = path.partition(":")
    ours = module_name == _PUBLIC or module_name.startswith(_PUBLIC + ".")
    module = sys.modules.get(module_name)
    if module is None and ours:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # a module of an older release, moved since
            module = importlib.import_module(_PUBLIC)
    if module is None:
        from .plugins import load_entry_points

        load_entry_points()  # an installed plugin (trusted code) may be what defines it
        module = sys.modules.get(module_name)
    if module is None:
        raise ValueError(
            f"cannot rebuild the config {quote(qualname)}: its module {quote(module_name)} is not "
            "imported (a checkpoint never imports code); import it before loading"
        )
    obj = _attribute(module, qualname)
    if obj is None and ours and "." not in qualname:
        obj = getattr(importlib.import_module(_PUBLIC), qualname, None)  # moved since
    if not (isinstance(obj, type) and issubclass(obj, PickledAsData)):
        raise ValueError(f"cannot rebuild {quote(path)}: it is not an nshsched config class")
    return obj.model_validate(data)  # type: ignore[attr-defined]


def _attribute(module: Any, qualname: str) -> Any:
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def allow_in_torch_load(serialization: Any = None) -> None:
    """Allowlist :func:`rebuild` for ``torch.load(weights_only=True)`` (idempotent), under its
    name and under the second release's :data:`LEGACY_NAME`.

    Args:
        serialization: the ``torch.serialization`` module (imported when not given).
    """
    if serialization is None:
        import torch.serialization as serialization
    serialization.add_safe_globals([rebuild, (rebuild, LEGACY_NAME)])
