"""``nshsched groups CONFIG --model pkg.module:factory``: the param groups a config makes on
a model, as a table, without training (see :mod:`nshsched.groups.describe`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..loading.quote import quote, shorten
from ..loading.yaml_files import load_file
from ._command import Command
from ._errors import CLIError, UsageError
from ._input import classify, validate_config
from ._overrides import SET_HELP, apply_override

__all__ = ["GROUPS", "load_model"]


def load_model(spec: str) -> Any:
    """Import ``pkg.module:factory`` and call the factory with no argument.

    The module is looked up as ``python -m`` would (the current directory first). The
    factory is a class or a function (the part after the colon may be dotted) returning a
    ``torch.nn.Module``.

    Raises:
        UsageError: ``spec`` is not ``module:factory``.
        CLIError: the module cannot be imported, the factory is missing or fails, or it
            returns no ``torch.nn.Module``.
    """
    from ..config.plugins import PluginImportError, import_modules

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--model expects pkg.module:factory, got {quote(spec)}")
    try:
        (module,) = import_modules([module_name], source="--model")
    except PluginImportError as e:
        raise CLIError(str(e)) from None
    shown = shorten(spec, 200)
    factory: Any = module
    for part in attr.split("."):
        if not hasattr(factory, part):
            raise CLIError(
                f"--model {shown}: module {quote(module_name)} has no attribute {quote(attr)}"
            )
        factory = getattr(factory, part)
    if not callable(factory):
        raise CLIError(
            f"--model {shown}: {quote(attr)} is a {type(factory).__name__}, not callable"
        )
    try:
        model = factory()
    except Exception as e:
        raise CLIError(
            f"--model {shown}: calling it failed: {type(e).__name__}: {shorten(str(e), 300)}"
        ) from None
    import torch

    if not isinstance(model, torch.nn.Module):
        raise CLIError(f"--model {shown}: returned a {type(model).__name__}, not a torch.nn.Module")
    return model


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "config",
        metavar="CONFIG",
        help="a YAML/JSON file holding an OptimizationConfig (or an optimizer config)",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="PKG.MODULE:FACTORY",
        help="the model: a class or function called with no argument, returning an nn.Module "
        "(the current directory is searched first)",
    )
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=SET_HELP)


def _run(args: argparse.Namespace) -> int:
    import nshsched as S

    data = load_file(args.config)
    for assignment in args.set or []:
        apply_override(data, assignment)
    kind = classify(data)
    if kind == "scheduler":
        raise CLIError(
            f"{args.config}: holds a scheduler config; `groups` needs an OptimizationConfig "
            "(a mapping with `optimizer:`) or an optimizer config"
        )
    config = validate_config(kind, data, args.config)
    if kind == "optimizer":
        config = S.OptimizationConfig(optimizer=config)
    model = load_model(args.model)
    print(config.describe(model))
    return 0


GROUPS = Command(
    name="groups",
    help="show the param groups a config makes on a model",
    description="Build the torch param groups of an OptimizationConfig file on a model, as "
    "`build` would, and print one row per group: name, tensors, elements, base lr, weight "
    "decay and schedule. Nothing is trained.",
    add_arguments=_arguments,
    run=_run,
)
