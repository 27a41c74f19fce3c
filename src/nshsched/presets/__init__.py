"""Presets: named scheduler configs stored as YAML files.

The shipped presets live beside this module and are written in *fractions of training*, so
each fits any training length. Users add their own directories: every ``*.yaml``/``*.yml``
file in them is a preset named after the file, and overrides a shipped preset of the same
name. Directories are searched in this order: the ``dirs`` argument, then the
``NSHSCHED_PRESETS`` environment variable (``os.pathsep``-separated), then the shipped ones.

A preset file is a scheduler config (the mapping ``lr_scheduler_registry`` validates), with
a comment header whose first line is its one-line description. Files are read with a safe
YAML loader: a preset can only build registered classes.

Example:
    >>> from nshsched import presets
    >>> "warmup_cosine" in presets.names()
    True
    >>> presets.path("constant").name
    'constant.yaml'
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..loading.quote import quote
from ..loading.yaml_files import load_file

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = [
    "ENV_VAR",
    "PresetNotFoundError",
    "description",
    "directories",
    "load",
    "load_data",
    "names",
    "path",
]

ENV_VAR = "NSHSCHED_PRESETS"
"""The environment variable listing user preset directories (``os.pathsep``-separated)."""

_SHIPPED = Path(__file__).resolve().parent
_SUFFIXES = (".yaml", ".yml")

Dirs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None


class PresetNotFoundError(LookupError):
    """No preset of that name in any preset directory."""


def directories(dirs: Dirs = None) -> list[Path]:
    """The preset directories, highest priority first: ``dirs``, ``$NSHSCHED_PRESETS``,
    then the shipped presets."""
    if dirs is None:
        given: list[Path] = []
    elif isinstance(dirs, str | os.PathLike):
        given = [Path(dirs)]
    else:
        given = [Path(d) for d in dirs]
    env = [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    return [*given, *env, _SHIPPED]


def _index(dirs: Dirs) -> dict[str, Path]:
    """Preset name -> file; a higher-priority directory wins."""
    found: dict[str, Path] = {}
    for directory in reversed(directories(dirs)):
        if not directory.is_dir():
            continue
        for file in sorted(directory.iterdir()):
            if file.suffix in _SUFFIXES and file.is_file():
                found[file.stem] = file
    return found


def names(dirs: Dirs = None) -> list[str]:
    """Every preset name, sorted."""
    return sorted(_index(dirs))


def path(name: str, dirs: Dirs = None) -> Path:
    """The file that defines preset ``name``.

    Raises:
        PresetNotFoundError: No such preset; the message lists the presets and the closest.
    """
    index = _index(dirs)
    if name in index:
        return index[name]
    msg = f"unknown preset {quote(name)}; presets: {', '.join(sorted(index))}"
    close = difflib.get_close_matches(name, list(index), n=1, cutoff=0.5)
    if close:
        msg += f" (did you mean {close[0]!r}?)"
    raise PresetNotFoundError(msg)


def load_data(name: str, dirs: Dirs = None) -> Any:
    """The plain data of preset ``name`` (before validation), e.g. to apply overrides."""
    return load_file(path(name, dirs))


def load(name: str, dirs: Dirs = None) -> LRSchedulerConfigBase:
    """The scheduler config of preset ``name``, validated through the scheduler registry.

    Raises:
        PresetNotFoundError: No such preset.
        pydantic.ValidationError: The preset file is not a valid scheduler config (a
            :class:`~nshsched.ConfigValidationError` titled with the file).

    Example:
        >>> from nshsched import presets
        >>> presets.load("warmup_cosine").name
        'cosine'
    """
    from ..lr_scheduler.base import lr_scheduler_registry

    return lr_scheduler_registry.from_file(path(name, dirs))


def description(name: str, dirs: Dirs = None) -> str:
    """The first line of the preset file's comment header (``""`` when it has none)."""
    with path(name, dirs).open(encoding="utf-8") as f:
        for line in f:
            stripped = line.strip()
            if not stripped.startswith("#"):
                return ""
            text = stripped.lstrip("#").strip()
            if text:
                return text
    return ""
