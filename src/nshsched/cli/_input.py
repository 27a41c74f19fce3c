"""Reading a command's input: a config file or a preset, what kind of config it holds,
and its validation."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..loading.quote import quote, shorten
from ..loading.yaml_files import load_file
from ._errors import CLIError
from ._overrides import apply_override

__all__ = ["KIND_LABEL", "Kind", "classify", "read_source", "registries", "validate_config"]

Kind = Literal["scheduler", "optimizer", "optimization"]
KIND_LABEL = {
    "scheduler": "scheduler config",
    "optimizer": "optimizer config",
    "optimization": "OptimizationConfig",
}


def registries() -> tuple[Any, Any]:
    """The scheduler and optimizer registries (imported on first use)."""
    import nshsched as S

    return S.lr_scheduler_registry, S.optimizer_registry


def classify(data: Any) -> Kind:
    """What a config mapping holds: an ``OptimizationConfig`` (it has ``optimizer``), or a
    scheduler or optimizer config (its ``name`` is a registered tag)."""
    if not isinstance(data, Mapping):
        raise CLIError(
            f"expected a mapping (a config), got {type(data).__name__ if data is not None else 'an empty file'}"
        )
    if "optimizer" in data:
        return "optimization"
    schedulers, optimizers = registries()
    tag = data.get("name")
    if tag is None:
        raise CLIError(
            "cannot tell what this config is: a scheduler or optimizer config needs a `name:` "
            "(its registered tag), an OptimizationConfig an `optimizer:`"
        )
    if not isinstance(tag, str):
        raise CLIError(f"`name:` must be a string (a registered tag), got {quote(tag)}")
    if tag in schedulers:
        return "scheduler"
    if tag in optimizers:
        return "optimizer"
    tags = [*schedulers.tags(), *optimizers.tags()]
    msg = f"unknown name {quote(tag)}: not a registered scheduler or optimizer"
    close = difflib.get_close_matches(str(tag), tags, n=1, cutoff=0.6)
    if close:
        msg += f" (did you mean {close[0]!r}?)"
    raise CLIError(
        msg + "; run `nshsched list` to see them; your own class? import its module first "
        "(--import MODULE or NSHSCHED_IMPORT=MODULE; a package: an entry point in the "
        "`nshsched` group)"
    )


def validate_config(kind: Kind, data: Any, source: str) -> Any:
    """Validate ``data`` as a ``kind`` config.

    Raises:
        ConfigValidationError: titled with ``source`` and the config's class, one line per
            problem (as the library reports it everywhere).
    """
    import nshsched as S

    from ..config.errors import titled

    if kind == "optimization":
        title = f"{source} (OptimizationConfig)"
    else:
        registry = S.lr_scheduler_registry if kind == "scheduler" else S.optimizer_registry
        title = f"{source} ({registry.title_for(data)})"
    with titled(title, data=data):
        if kind == "scheduler":
            return S.lr_scheduler_registry.construct(data)
        if kind == "optimizer":
            return S.optimizer_registry.construct(data)
        return S.OptimizationConfig.model_validate(data)


def read_source(spec: str, overrides: Sequence[str]) -> tuple[Any, str]:
    """A config file or a preset name -> (plain data with overrides applied, description)."""
    from .. import presets

    file = Path(spec)
    path_like = file.suffix.lower() in (".yaml", ".yml", ".json") or "/" in spec or "\\" in spec
    if file.is_file() or (path_like and file.exists()):  # a directory: load_file says so
        data, what = load_file(file), f"file {shorten(spec)}"
    elif path_like:
        raise CLIError(f"no such file: {quote(spec)}")
    else:
        data, what = presets.load_data(spec), f"preset {spec}"
    for assignment in overrides:
        apply_override(data, assignment)
    return data, what
