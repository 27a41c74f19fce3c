"""Parameter names as the user wrote the model: wrappers looked through, suffix globs, and
the ``no_weight_decay()`` convention.

``torch.compile`` (``_orig_mod.``), DDP and DataParallel (``module.``), FSDP
(``_fsdp_wrapped_module.``) and activation checkpointing (``_checkpoint_wrapped_module.``)
insert a component into every parameter name below them. nshsched drops those components,
at the top and nested, so param-group globs, ``module`` paths, ``layer_decay`` and
``no_weight_decay`` patterns are written once for the plain model. A plain module whose
child happens to be named ``module`` is not a wrapper (only DDP and DataParallel are).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = [
    "WRAPPER_CHILDREN",
    "glob_match",
    "module_named_parameters",
    "no_weight_decay_names",
    "unwrapped_named_modules",
]

WRAPPER_CHILDREN = frozenset({"_orig_mod", "_fsdp_wrapped_module", "_checkpoint_wrapped_module"})
"""Children that only a wrapper has: the wrapped model is always dropped from names."""


def _wrapped(module: Any) -> str | None:
    """The name of the child ``module`` wraps, or ``None`` if it is no wrapper."""
    from torch.nn import DataParallel, Module
    from torch.nn.parallel import DistributedDataParallel

    # A registered child is an attribute (nn.Module.__getattr__): O(1) per name, where
    # named_children() would list every child of a module at each level of every name.
    for name in WRAPPER_CHILDREN:
        if isinstance(getattr(module, name, None), Module):
            return name
    if isinstance(module, (DataParallel, DistributedDataParallel)):
        return "module"
    return None


def unwrapped_named_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """``(clean name, module)`` of every module of ``model``, wrappers' components dropped
    (a wrapper and what it wraps share one name)."""
    out: list[tuple[str, torch.nn.Module]] = []

    def walk(module: torch.nn.Module, prefix: str) -> None:
        out.append((prefix, module))
        inner = _wrapped(module)
        for name, child in module.named_children():  # skips None; a child shared twice once
            if name == inner:
                walk(child, prefix)
            else:
                walk(child, f"{prefix}.{name}" if prefix else name)

    walk(model, "")
    return out


def clean_name(model: torch.nn.Module, name: str) -> str:
    """A ``named_parameters()`` name with the wrappers' components dropped."""
    return _clean_names(model, [name])[0]


def _clean_names(model: torch.nn.Module, names: Iterable[str]) -> list[str]:
    """:func:`clean_name` of each name, each module's wrapper check done once."""
    wrapped: dict[int, str | None] = {}
    out = []
    for name in names:
        parts = name.split(".")
        module: Any = model
        kept: list[str] = []
        for part in parts[:-1]:
            key = id(module)
            if key not in wrapped:
                wrapped[key] = _wrapped(module)
            if part != wrapped[key]:
                kept.append(part)
            module = module.get_submodule(part)
        kept.append(parts[-1])
        out.append(".".join(kept))
    return out


def module_named_parameters(
    model: torch.nn.Module, path: str | None = None, *, field: str = "module"
) -> list[tuple[str, torch.nn.Parameter]]:
    """``(name, parameter)`` of ``model``'s parameters by their unwrapped names; with
    ``path``, only those of that submodule, named relative to it.

    Raises:
        ValueError: ``path`` names no submodule (the message lists the top-level ones).
    """
    params = list(model.named_parameters())
    named = list(zip(_clean_names(model, [n for n, _ in params]), [p for _, p in params]))
    if path is None:
        return named
    if path not in {n for n, _ in unwrapped_named_modules(model)}:
        tops = sorted({n.split(".")[0] for n, _ in unwrapped_named_modules(model) if n})
        raise ValueError(
            f"{field}: {path[:200]!r} is no submodule of {type(model).__name__} "
            f"(its submodules: {tops[:20]})"
        )
    prefix = path + "."
    return [(n[len(prefix) :], p) for n, p in named if n.startswith(prefix)]


def glob_match(name: str, pattern: str) -> bool:
    """Whether ``pattern`` (``fnmatch``, case-sensitive) matches the whole ``name`` or any
    dotted suffix of it (``cls_token`` matches ``model.cls_token``)."""
    if fnmatch.fnmatchcase(name, pattern):
        return True
    i = name.find(".")
    while i >= 0:
        if fnmatch.fnmatchcase(name[i + 1 :], pattern):
            return True
        i = name.find(".", i + 1)
    return False


def no_weight_decay_names(model: torch.nn.Module, path: str | None = None) -> set[str]:
    """The parameter names returned by the ``no_weight_decay()`` methods (timm's
    convention) of ``model`` and its submodules — with ``path``, of that submodule and
    below, relative to it. Each name is relative to the module that defines the method."""
    out: set[str] = set()
    prefix = "" if not path else path + "."
    for name, module in unwrapped_named_modules(model):
        if path and not (name == path or name.startswith(prefix)):
            continue
        method = getattr(type(module), "no_weight_decay", None)
        if not callable(method):
            continue
        names = module.no_weight_decay()  # type: ignore[operator]
        if isinstance(names, str) or not isinstance(names, Iterable):
            continue
        full = name + "." if name else ""
        for n in names:
            whole = full + str(n)
            if path:
                if not whole.startswith(prefix):
                    continue
                whole = whole[len(prefix) :]
            out.add(whole)
    return out
