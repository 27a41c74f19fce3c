"""``nshsched groups CONFIG --model pkg.module:factory``: the param-group table of a config
file on a model, without training (see :mod:`nshsched.describe`)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["load_model", "run_groups"]


def load_model(spec: str) -> Any:
    """Import ``pkg.module:factory`` and call the factory with no argument.

    The module is looked up as ``python -m`` would (the current directory first). The
    factory is a class or a function (``attr.path`` after the colon may be dotted) returning
    a ``torch.nn.Module``.

    Raises:
        nshsched.cli.UsageError: ``spec`` is not ``module:factory``.
        nshsched.cli.CLIError: the module cannot be imported, the factory is missing or
            fails, or it returns no ``torch.nn.Module``.
    """
    from .cli import CLIError, UsageError
    from .plugins import PluginImportError, import_modules

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--model expects pkg.module:factory, got {spec[:200]!r}")
    try:
        (module,) = import_modules([module_name], source="--model")
    except PluginImportError as e:
        raise CLIError(str(e)) from None
    factory: Any = module
    for part in attr.split("."):
        if not hasattr(factory, part):
            raise CLIError(f"--model {spec}: module {module_name!r} has no attribute {attr!r}")
        factory = getattr(factory, part)
    if not callable(factory):
        raise CLIError(f"--model {spec}: {attr!r} is a {type(factory).__name__}, not callable")
    try:
        model = factory()
    except Exception as e:
        raise CLIError(
            f"--model {spec}: calling it failed: {type(e).__name__}: {str(e)[:300]}"
        ) from None
    import torch

    if not isinstance(model, torch.nn.Module):
        raise CLIError(f"--model {spec}: returned a {type(model).__name__}, not a torch.nn.Module")
    return model


def run_groups(args: argparse.Namespace) -> int:
    """The ``groups`` subcommand: print ``config.describe(model)``."""
    import nshsched as S

    from ._yaml import load_file
    from .cli import CLIError, _validate, apply_override, classify

    data = load_file(args.config)
    for assignment in args.set or []:
        apply_override(data, assignment)
    kind = classify(data)
    if kind == "scheduler":
        raise CLIError(
            f"{args.config}: holds a scheduler config; `groups` needs an OptimizationConfig "
            "(a mapping with `optimizer:`) or an optimizer config"
        )
    config = _validate(kind, data, args.config)
    if kind == "optimizer":
        config = S.OptimizationConfig(optimizer=config)
    model = load_model(args.model)
    print(config.describe(model))
    return 0
