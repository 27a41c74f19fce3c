"""The ``nshsched`` parser and entry point."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._yaml import ConfigFileError
from ._command import Command
from ._commands import LIST, SCHEMA, VALIDATE
from ._errors import CLIError, UsageError, format_validation_error
from ._preview import PREVIEW

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: list[Command] = [PREVIEW, VALIDATE, SCHEMA, LIST]
"""The subcommands, in the order ``nshsched --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The ``nshsched`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="nshsched",
        description="Preview, validate and document nshsched optimizer and scheduler configs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.description)
        command.add_arguments(p)
        p.set_defaults(func=command.run, subparser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nshsched`` command; returns the exit code."""
    from pydantic import ValidationError

    from ..presets import PresetNotFoundError

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
        print(f"{prog}: error: {format_validation_error(e)}", file=sys.stderr)
    except (CLIError, ConfigFileError, PresetNotFoundError, ValueError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `nshsched schema | head`: not an error
        return 0
    return 1
