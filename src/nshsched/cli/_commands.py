"""``nshsched validate``, ``schema`` and ``list``: none of them imports torch (``list`` and
``schema`` load the installed plugins first)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..duration import TrainingLength
from ..loading.yaml_files import load_file
from ._command import Command, add_length_arguments, training_length
from ._errors import CLIError, UsageError, format_validation_error, report
from ._input import KIND_LABEL, Kind, classify, registries, validate_config
from ._overrides import SET_HELP, apply_override

__all__ = ["LIST", "SCHEMA", "VALIDATE"]


# ---------------------------------------------------------------------- validate


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=SET_HELP)
    add_length_arguments(p, None)


def _summary(kind: Kind, config: Any) -> str:
    if kind == "optimization":
        opt = config.optimizer
        sched = config.scheduler
        groups = len(config.param_groups)
        return (
            f"optimizer {opt.name} (lr={opt.lr}), scheduler "
            f"{sched.name if sched is not None else 'none'}, {groups} param group(s)"
        )
    if kind == "optimizer":
        return f"{config.name} ({type(config).__name__}), lr={config.lr}"
    md = config.resolved_metadata()
    return f"{config.name} ({type(config).__name__}), interval {md['interval']}"


def _validate_one(file: str, args: argparse.Namespace, length: TrainingLength | None) -> str:
    """One file: validated, and checked for the training length when one is given."""
    data = load_file(file)
    for assignment in args.set or []:
        apply_override(data, assignment)
    try:
        kind = classify(data)
    except CLIError as e:
        raise CLIError(f"{file}: {e}") from None
    config = validate_config(kind, data, file)
    line = f"{file}: valid {KIND_LABEL[kind]}: {_summary(kind, config)}"
    if length is None or kind == "optimizer":
        return line
    from ..groups.check import check_length

    run = f"{length.total_steps} optimizer steps ({length.steps_per_epoch} per epoch)"
    try:
        checked = check_length(config, length)
    except ValueError as e:
        raise CLIError(f"{file}: valid, but cannot run for {run}: {e}") from None
    if not checked:
        return (
            f"{line}; not checked for {run}: its scheduler is a custom one (only building it tells)"
        )
    return f"{line}; runs for {run}"


def _validate(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from ..loading.limits import ConfigFileError

    length = training_length(args, None)
    prog = f"nshsched {args.command}"
    failed = 0
    for file in args.files:
        try:
            print(_validate_one(file, args, length))
        except UsageError:
            raise
        except ValidationError as e:
            failed += 1
            report(prog, format_validation_error(e))
        except (CLIError, ConfigFileError, ValueError) as e:
            failed += 1
            report(prog, str(e))
    if failed and len(args.files) > 1:
        report(prog, f"{failed} of {len(args.files)} files are not valid")
    return 1 if failed else 0


VALIDATE = Command(
    name="validate",
    help="check config files",
    description="Check YAML/JSON files holding an OptimizationConfig, a scheduler config or "
    "an optimizer config. Print a summary of each valid one; list every error of an invalid "
    "one with its path. With --total-steps (or --epochs and --steps-per-epoch), also run "
    "every check that building the schedule for that training runs (durations, warmup "
    "within training, the horizon, finite values), without building anything. Exit 0 when "
    "every file is valid, else 1.",
    add_arguments=_validate_arguments,
    run=_validate,
)


# ---------------------------------------------------------------------- schema


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "which",
        nargs="?",
        default="optimization",
        choices=["optimizer", "scheduler", "optimization"],
        help="which config (default: optimization, a whole OptimizationConfig)",
    )


def _schema(args: argparse.Namespace) -> int:
    from pydantic import TypeAdapter

    import nshsched as S

    from ..config.plugins import load_entry_points

    load_entry_points()  # every installed plugin's classes are in the schema

    target: Any = {
        "optimizer": S.OptimizerConfig,
        "scheduler": S.LRSchedulerConfig,
        "optimization": S.OptimizationConfig,
    }[args.which]
    schema = TypeAdapter(target).json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    schema.setdefault("title", f"nshsched {args.which} config")
    print(json.dumps(schema, indent=2))
    return 0


SCHEMA = Command(
    name="schema",
    help="print a JSON Schema (for editor completion)",
    description="Print the JSON Schema of a config kind on stdout, with field descriptions.",
    add_arguments=_schema_arguments,
    run=_schema,
)


# ---------------------------------------------------------------------- list


def _list(args: argparse.Namespace) -> int:
    from .. import presets
    from ..config.plugins import load_entry_points
    from ._summary import summary

    load_entry_points()  # every installed plugin's classes are listed

    schedulers, optimizers = registries()
    sections = [
        ("optimizers", [(t, summary(optimizers.get(t))) for t in optimizers.tags()]),
        ("schedulers", [(t, summary(schedulers.get(t))) for t in schedulers.tags()]),
        ("presets", [(n, presets.description(n)) for n in presets.names()]),
    ]
    for i, (title, rows) in enumerate(sections):
        if i:
            print()
        print(f"{title}:")
        width = max((len(tag) for tag, _ in rows), default=0)
        for tag, text in rows:
            print(f"  {tag:<{width}}  {text}".rstrip())
    return 0


LIST = Command(
    name="list",
    help="list registered optimizers, schedulers and presets",
    description="List the registered optimizers and schedulers (with a one-line "
    "description each) and the presets.",
    add_arguments=lambda p: None,
    run=_list,
)
