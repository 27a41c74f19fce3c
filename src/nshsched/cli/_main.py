"""The ``nshsched`` parser and entry point: every failure is a short message on stderr.

Exit codes: 0 success, 1 a mistake in the input (or a failure to write), 2 a command-line
usage mistake, 130 interrupted. No traceback is ever printed: an unexpected exception is
reported on one line, as an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from ..loading.yaml_files import ConfigFileError
from ._command import Command
from ._commands import LIST, SCHEMA, VALIDATE
from ._errors import CLIError, UsageError, cap_message, format_validation_error
from ._errors import report as _report
from ._groups import GROUPS
from ._preview import PREVIEW

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: list[Command] = [PREVIEW, VALIDATE, SCHEMA, LIST, GROUPS]
"""The subcommands, in the order ``nshsched --help`` lists them."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its error messages (which quote the arguments) cut to size."""

    def error(self, message: str) -> NoReturn:
        super().error(cap_message(message))


def build_parser() -> argparse.ArgumentParser:
    """The ``nshsched`` argument parser: one subparser per entry of :data:`COMMANDS`."""
    from .. import __version__

    parser = _Parser(
        prog="nshsched",
        description="Preview, validate and document nshsched optimizer and scheduler configs.",
    )
    parser.add_argument("--version", action="version", version=f"nshsched {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.description)
        command.add_arguments(p)
        p.add_argument(
            "--import",
            dest="imports",
            action="append",
            metavar="MODULE",
            help="import MODULE first, e.g. one that registers your own configs (repeatable; "
            "the current directory is searched first; also: NSHSCHED_IMPORT=mod1,mod2)",
        )
        p.set_defaults(func=command.run, subparser=p)
    return parser


def _warning_printer(prog: str) -> Any:
    """``warnings.showwarning`` as ``prog: warning: message`` (no file and line), each
    message once."""
    shown: set[str] = set()

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        text = cap_message(str(message))
        if text not in shown:
            shown.add(text)
            print(f"{prog}: warning: {text}", file=sys.stderr)

    return show


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit-time flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a file (a test's StringIO): nothing is flushed at exit


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nshsched`` command; returns the exit code."""
    with _escaping_output():
        return _main(argv)


@contextlib.contextmanager
def _escaping_output() -> Iterator[None]:
    """A character the terminal cannot show is escaped, not an error (restored after)."""
    saved = []
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors != "backslashreplace":
            saved.append((stream, stream.errors))
            stream.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        for stream, errors in saved:
            with contextlib.suppress(ValueError):  # closed meanwhile
                stream.reconfigure(errors=errors)


def _import_user_modules(args: argparse.Namespace) -> None:
    """The modules of ``NSHSCHED_IMPORT``, then those of ``--import``, imported in order."""
    from ..config.plugins import PluginImportError, env_modules, import_modules

    try:
        import_modules(env_modules(), source="NSHSCHED_IMPORT")
        import_modules(args.imports or [], source="--import")
    except PluginImportError as e:
        raise CLIError(str(e)) from None


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"nshsched {args.command}"
    try:
        from pydantic import ValidationError

        from ..presets import PresetNotFoundError

        try:
            with warnings.catch_warnings():
                warnings.showwarning = _warning_printer(prog)
                _import_user_modules(args)
                code = int(args.func(args))
            sys.stdout.flush()  # a full disk or a closed pipe is found here, not at exit
            return code
        except UsageError as e:
            args.subparser.print_usage(sys.stderr)
            _report(prog, str(e))
            return 2
        except ValidationError as e:
            _report(prog, format_validation_error(e))
        except (CLIError, ConfigFileError, PresetNotFoundError, ValueError) as e:
            # ValueError: what a schedule raises at creation for this length (an overflow)
            _report(prog, str(e))
    except BrokenPipeError:
        _quiet_stdout()  # e.g. `nshsched schema | head`: not an error
        return 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except OSError as e:  # stdout or stderr failing (a full disk)
        _report(prog, f"cannot write the output: {e.strerror or e}")
    except Exception as e:  # the last resort: one line, never a traceback
        _report(
            prog,
            f"internal error: {type(e).__name__}: {cap_message(str(e))} "
            "(this is a bug in nshsched: please report it with the command that caused it)",
        )
    return 1
