"""Plugins: packages that register their own configs with nshsched.

A package declares an entry point in the group ``nshsched`` (in its ``pyproject.toml``)::

    [project.entry-points.nshsched]
    my_schedules = "my_package.schedules"            # a module: imported
    more = "my_package.plugin:register"              # a callable: called with no argument

Entry points are loaded lazily, never by ``import nshsched``: the first time a registry
meets a tag it does not know (validating a config, ``registry.get(tag)``, ``tag in
registry``), every entry point of the group is loaded, then the registry looks again. The
``nshsched list`` and ``schema`` commands load them up front. A built-in tag never loads
anything. A plugin that fails to load is a :class:`PluginWarning` naming it; the others
still load, and each entry point is tried once per process.

The ``nshsched`` command also imports the modules named by ``--import MODULE`` and by the
environment variable ``NSHSCHED_IMPORT`` (comma-separated): :func:`import_modules`.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import warnings
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from ..loading.quote import quote, shorten

__all__ = [
    "ENV_VAR",
    "GROUP",
    "PluginImportError",
    "PluginWarning",
    "entry_points",
    "env_modules",
    "import_modules",
    "load_entry_points",
]

GROUP = "nshsched"
"""The entry-point group that nshsched plugins declare."""

ENV_VAR = "NSHSCHED_IMPORT"
"""Comma-separated modules the ``nshsched`` command imports, as ``--import`` does."""


class PluginWarning(UserWarning):
    """A plugin (an entry point of the ``nshsched`` group) failed to load."""


class PluginImportError(ImportError):
    """A module named by ``--import`` or ``NSHSCHED_IMPORT`` cannot be imported."""


_lock = threading.RLock()
_tried: set[tuple[str, str]] = set()  # (name, value) of the entry points tried so far
_done = False  # every installed entry point has been tried (a scan finished)
_loading = False


def entry_points() -> list[Any]:
    """The installed entry points of the group ``nshsched`` (``importlib.metadata``)."""
    from importlib.metadata import entry_points as _entry_points

    return sorted(_entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))


def load_entry_points(*, rescan: bool = False) -> list[str]:
    """Load every entry point of the group not tried yet in this process.

    The installed entry points are looked up once per process (``rescan=True`` looks again,
    e.g. after installing a package). An entry point's object is imported; a callable that
    is not a class is then called with no argument.

    Returns:
        The names of the entry points loaded by this call.

    Warns:
        PluginWarning: for each entry point that fails (its name, value and error).
    """
    global _done, _loading
    with _lock:  # another thread meeting an unknown tag waits here for the scan to end
        if _loading or (_done and not rescan):
            return []  # (_loading: a plugin being loaded met an unknown tag: no recursion)
        _loading = True
        try:
            loaded = []
            for ep in entry_points():
                key = (ep.name, ep.value)
                if key in _tried:
                    continue
                _tried.add(key)
                if _load_one(ep):
                    loaded.append(ep.name)
            return loaded
        finally:
            _loading, _done = False, True


def _load_one(ep: Any) -> bool:
    try:
        obj = ep.load()
        if callable(obj) and not isinstance(obj, type):
            obj()
        elif not isinstance(obj, ModuleType | type):
            raise TypeError(
                f"the entry point names a {type(obj).__name__}; name a module to import or "
                "a function to call"
            )
    except Exception as e:
        warnings.warn(
            f"nshsched plugin {quote(ep.name)} ({shorten(ep.value, 200)}) failed to load: "
            f"{type(e).__name__}: {shorten(str(e), 300)}",
            PluginWarning,
            stacklevel=4,
        )
        return False
    return True


def on_unknown_tag() -> None:
    """What a registry calls when it meets a tag it does not know: load the plugins."""
    if not _done:
        load_entry_points()


def env_modules(environ: dict[str, str] | None = None) -> list[str]:
    """The module names in ``NSHSCHED_IMPORT`` (comma-separated, blanks ignored)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [name.strip() for name in value.split(",") if name.strip()]


def import_modules(names: Iterable[str], source: str = "--import") -> list[ModuleType]:
    """Import each module of ``names`` (as ``python -m`` would: the current directory is
    searched first).

    Raises:
        PluginImportError: a name is not a dotted module name, or importing it fails; the
            message names the module, ``source`` and the error.
    """
    modules = []
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise PluginImportError(
                f"{source}: {quote(name)} is not a module name (expected e.g. my_package.schedules)"
            )
        try:
            modules.append(importlib.import_module(name))
        except Exception as e:
            raise PluginImportError(
                f"{source}: cannot import {quote(name)}: {type(e).__name__}: {shorten(str(e), 300)}"
            ) from e
    return modules
