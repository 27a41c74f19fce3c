"""Configs in checkpoints: rebuilt from plain data, allowed by ``torch.load(weights_only=True)``.

A config pickles as ``rebuild("module:QualName", config.model_dump())`` (see
:meth:`nshsched.Config.__reduce__`), so a Lightning checkpoint whose ``hyper_parameters``
hold nshsched configs contains no class but this one function. torch's ``weights_only``
unpickler calls only allowlisted functions: :func:`allow_in_torch_load` puts :func:`rebuild`
on that list, and nshsched does so itself as soon as ``torch.serialization`` is imported
(see :mod:`nshsched.integrations.peers`), so loading needs nothing from the user.

:func:`rebuild` never imports a module named in the file other than nshsched's own: the
class must already be imported (the user's module that defines it) or be defined by an
installed plugin (see :mod:`nshsched.config.plugins`), and the data is validated like any config,
so it can only build registered classes.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Config

__all__ = ["allow_in_torch_load", "rebuild"]


def rebuild(path: str, data: dict[str, Any]) -> Config:
    """The config of class ``path`` (``"module:QualName"``) validated from ``data``.

    Raises:
        ValueError: ``path`` is not an nshsched config class that is imported, or ``data``
            is not valid for it.
    """
    from ..loading.quote import quote
    from .base import Config

    if not isinstance(path, str) or ":" not in path or not isinstance(data, dict):
        raise ValueError(f"not an nshsched config record: {quote(path)}")
    module_name, _, qualname = path.partition(":")
    module = sys.modules.get(module_name)
    if module is None and (module_name == "nshsched" or module_name.startswith("nshsched.")):
        module = importlib.import_module(module_name)
    if module is None:
        from .plugins import load_entry_points

        load_entry_points()  # an installed plugin (trusted code) may be what defines it
        module = sys.modules.get(module_name)
    if module is None:
        raise ValueError(
            f"cannot rebuild the config {quote(qualname)}: its module {quote(module_name)} is not "
            "imported (a checkpoint never imports code); import it before loading"
        )
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if not (isinstance(obj, type) and issubclass(obj, Config)):
        raise ValueError(f"cannot rebuild {quote(path)}: it is not an nshsched config class")
    return obj.model_validate(data)


def allow_in_torch_load(serialization: Any = None) -> None:
    """Allowlist :func:`rebuild` for ``torch.load(weights_only=True)`` (idempotent).

    Args:
        serialization: the ``torch.serialization`` module (imported when not given).
    """
    if serialization is None:
        import torch.serialization as serialization
    serialization.add_safe_globals([rebuild])
