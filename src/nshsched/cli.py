"""The ``nshsched`` command: preview, validate, schema, list.

``validate``, ``schema`` and ``list`` never import torch; ``preview`` needs only numpy for
closed-form schedules (plotext for the terminal plot, matplotlib for a PNG). Mistakes in the
input are reported on stderr with exit code 1 (2 for command-line usage), never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._yaml import ConfigFileError, load_file, parse_scalar

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["CLIError", "apply_override", "classify", "main"]

Kind = Literal["scheduler", "optimizer", "optimization"]
_KIND_LABEL = {
    "scheduler": "scheduler config",
    "optimizer": "optimizer config",
    "optimization": "OptimizationConfig",
}


class CLIError(Exception):
    """A mistake in the command's input: printed without a traceback, exit code 1."""


class UsageError(CLIError):
    """A command-line usage mistake: exit code 2."""


# ---------------------------------------------------------------------- reading configs


def apply_override(data: Any, assignment: str) -> None:
    """Apply one ``--set key.path=value`` to plain config data, in place.

    The path is dotted, with list indices (``phases.0.duration.value``); missing mapping
    keys are created; the value is read as a YAML scalar (``1e-4`` is a float, ``null`` None).

    Example:
        >>> data = {"phases": [{"duration": {"kind": "fraction", "value": 0.5}}]}
        >>> apply_override(data, "phases.0.duration.value=0.2")
        >>> apply_override(data, "warmup.kind=steps")
        >>> data
        {'phases': [{'duration': {'kind': 'fraction', 'value': 0.2}}], 'warmup': {'kind': 'steps'}}
    """
    key, sep, raw = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or any(not p for p in parts):
        raise UsageError(f"--set expects key.path=value, got {assignment!r}")
    value = parse_scalar(raw)
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        elif isinstance(node, list):
            if not part.lstrip("-").isdigit():
                raise CLIError(f"--set {key}: {where!r} indexes a list: use a number")
            index = int(part)
            if not -len(node) <= index < len(node):
                raise CLIError(
                    f"--set {key}: index {index} is out of range at {where!r} "
                    f"(the list has {len(node)} items)"
                )
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            parent = ".".join(parts[:i]) or "the config"
            raise CLIError(f"--set {key}: {parent} holds {node!r}, not a mapping or a list")


def _registries() -> tuple[Any, Any]:
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
    schedulers, optimizers = _registries()
    tag = data.get("name")
    if tag is None:
        raise CLIError(
            "cannot tell what this config is: a scheduler or optimizer config needs a `name:` "
            "(its registered tag), an OptimizationConfig an `optimizer:`"
        )
    if tag in schedulers:
        return "scheduler"
    if tag in optimizers:
        return "optimizer"
    tags = [*schedulers.tags(), *optimizers.tags()]
    msg = f"unknown name {tag!r}: not a registered scheduler or optimizer"
    close = difflib.get_close_matches(str(tag), tags, n=1, cutoff=0.6)
    if close:
        msg += f" (did you mean {close[0]!r}?)"
    raise CLIError(msg + "; run `nshsched list` to see them")


def _validate(kind: Kind, data: Any, source: str) -> Any:
    """Validate ``data`` as a ``kind`` config; errors are listed with their paths."""
    from pydantic import TypeAdapter, ValidationError

    import nshsched as S

    try:
        if kind == "scheduler":
            return TypeAdapter(S.LRSchedulerConfig).validate_python(data)
        if kind == "optimizer":
            return TypeAdapter(S.OptimizerConfig).validate_python(data)
        return S.OptimizationConfig.model_validate(data)
    except ValidationError as e:
        raise CLIError(
            f"{source}: invalid {_KIND_LABEL[kind]}: {_format_errors(e, data)}"
        ) from None


_TYPE_MISMATCH = ("_type", "_parsing")


def _clean_loc(loc: Sequence[Any], data: Any, kind: str = "") -> tuple[list[str], bool]:
    """An error location as a path into the data, and whether it went through a union.

    pydantic adds the branch of a union (``constrained-int``, ``tagged-union[...]``) and the
    tag of a tagged-union member (``fraction``) to the location; they are not keys of the
    input, so they are dropped: ``warmup.fraction.value`` -> ``warmup.value``.
    """
    path: list[str] = []
    through_union = False
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping):
            if part in node or (last and kind == "missing"):
                path.append(str(part))
                node = node.get(part)
                continue
        elif isinstance(node, list) and isinstance(part, int):
            path.append(str(part))
            node = node[part] if -len(node) <= part < len(node) else None
            continue
        elif data is None:
            path.append(str(part))
            continue
        through_union = True
    return path, through_union


def _format_errors(error: ValidationError, data: Any = None) -> str:
    entries = []
    for e in error.errors(include_url=False):
        parts, through_union = _clean_loc(e["loc"], data, e["type"])
        # A union branch that fails only because the input has another shape (the int
        # branch of `int | duration` given a mapping) is noise when another error explains
        # the same place.
        noise = through_union and (
            e["type"].endswith(_TYPE_MISMATCH) or e["type"] == "literal_error"
        )
        entries.append((".".join(parts), e, noise))
    explained = [p for p, _, noise in entries if not noise]
    entries = [
        entry
        for entry in entries
        if not (
            entry[2]
            and any(
                q == entry[0] or q.startswith(entry[0] + ".") or not entry[0] for q in explained
            )
        )
    ]
    lines = [f"{len(entries)} validation error(s):"]
    for path, e, _ in entries:
        line = f"  {path or '(top level)'}: {e['msg']}"
        if e["type"] not in ("missing", "unknown_tag") and "input" in e:
            shown = repr(e["input"])
            line += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
        lines.append(line)
    return "\n".join(lines)


def _read_source(spec: str, overrides: Sequence[str]) -> tuple[Any, str]:
    """A config file or a preset name -> (plain data with overrides applied, description)."""
    from . import presets

    file = Path(spec)
    if file.is_file():
        data, what = load_file(file), f"file {spec}"
    elif file.suffix in (".yaml", ".yml", ".json") or "/" in spec or "\\" in spec:
        raise CLIError(f"no such file: {spec!r}")
    else:
        data, what = presets.load_data(spec), f"preset {spec}"
    for assignment in overrides:
        apply_override(data, assignment)
    return data, what


# ---------------------------------------------------------------------- subcommands


def _cmd_validate(args: argparse.Namespace) -> int:
    data = load_file(args.file)
    for assignment in args.set or []:
        apply_override(data, assignment)
    kind = classify(data)
    config = _validate(kind, data, args.file)
    print(f"{args.file}: valid {_KIND_LABEL[kind]}: {_summary(kind, config)}")
    return 0


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


def _cmd_schema(args: argparse.Namespace) -> int:
    from pydantic import TypeAdapter

    import nshsched as S

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


def _cmd_list(args: argparse.Namespace) -> int:
    from . import presets
    from ._summary import summary

    schedulers, optimizers = _registries()
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


def _cmd_preview(args: argparse.Namespace) -> int:
    from ._preview_cli import run_preview

    return run_preview(args)


# ---------------------------------------------------------------------- the parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(parse_scalar(text))
    except (TypeError, ValueError, ConfigFileError):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


_SET_HELP = (
    "override a value: a dotted path with list indices and a YAML value, e.g. "
    "--set warmup.value=0.1 --set intervals.0.lr=2e-4 (repeatable)"
)


def build_parser() -> argparse.ArgumentParser:
    """The ``nshsched`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="nshsched",
        description="Preview, validate and document nshsched optimizer and scheduler configs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "preview",
        help="plot a schedule's learning rates in the terminal (or to a PNG/CSV)",
        description="Plot every param group's learning rate over training, in the terminal, "
        "with a table of key points (start, end of warmup, phase boundaries, min, max, end).",
    )
    p.add_argument("config", metavar="CONFIG_OR_PRESET", help="a YAML/JSON file or a preset name")
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "--total-steps", type=_positive_int, metavar="N", help="optimizer steps (default 1000)"
    )
    length.add_argument(
        "--epochs", type=_positive_float, metavar="E", help="epochs (needs --steps-per-epoch)"
    )
    p.add_argument(
        "--steps-per-epoch",
        type=_positive_int,
        metavar="S",
        help="optimizer steps per epoch (default: the whole run is one epoch)",
    )
    p.add_argument(
        "--lr",
        type=_positive_float,
        default=1.0,
        help="base LR of every group (default 1.0: the plot shows the multiplier)",
    )
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=_SET_HELP)
    p.add_argument(
        "--out", metavar="FILE", help="also write FILE.png (needs matplotlib) or FILE.csv"
    )
    p.set_defaults(func=_cmd_preview, subparser=p)

    p = sub.add_parser(
        "validate",
        help="check a config file",
        description="Check a YAML/JSON file holding an OptimizationConfig, a scheduler config or "
        "an optimizer config. Exit 0 with a summary when valid, else list every error with its "
        "path and exit 1.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=_SET_HELP)
    p.set_defaults(func=_cmd_validate, subparser=p)

    p = sub.add_parser(
        "schema",
        help="print a JSON Schema (for editor completion)",
        description="Print the JSON Schema of a config kind on stdout, with field descriptions.",
    )
    p.add_argument(
        "which",
        nargs="?",
        default="optimization",
        choices=["optimizer", "scheduler", "optimization"],
        help="which config (default: optimization, a whole OptimizationConfig)",
    )
    p.set_defaults(func=_cmd_schema, subparser=p)

    p = sub.add_parser(
        "list",
        help="list registered optimizers, schedulers and presets",
        description="List the registered optimizers and schedulers (with a one-line "
        "description each) and the presets.",
    )
    p.set_defaults(func=_cmd_list, subparser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nshsched`` command; returns the exit code."""
    from pydantic import ValidationError

    from .presets import PresetNotFoundError

    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"nshsched {args.command}"
    try:
        return int(args.func(args))
    except UsageError as e:
        args.subparser.print_usage(sys.stderr)
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"{prog}: error: {_format_errors(e)}", file=sys.stderr)
    except (CLIError, ConfigFileError, PresetNotFoundError, ValueError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `nshsched schema | head`: not an error
        return 0
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
