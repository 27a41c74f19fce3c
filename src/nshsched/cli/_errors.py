"""The command's errors. Validation errors are shown as the library shows them
(:mod:`nshsched.config.errors`): the command adds nothing of its own."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..config.errors import (
    LINE_LIMIT,
    MAX_ERRORS_SHOWN,
    ConfigValidationError,
    cap_message,
    retitle,
)
from ..loading.quote import shorten

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "MAX_ERRORS_SHOWN",
    "MAX_MESSAGE_LINES",
    "CLIError",
    "UsageError",
    "cap_message",
    "format_validation_error",
    "report",
]

MAX_MESSAGE_LINES = 40
"""The most lines of one error message printed."""


class CLIError(Exception):
    """A mistake in the command's input: printed without a traceback, exit code 1."""


class UsageError(CLIError):
    """A command-line usage mistake: exit code 2."""


def format_validation_error(error: ValidationError, data: Any = None) -> str:
    """``error`` as the library writes it: its title, then one line per problem."""
    if not isinstance(error, ConfigValidationError):
        error = retitle(error, error.title, data=data)
    return str(error)


def report(prog: str, message: str) -> None:
    """``prog: error: message`` on stderr, every line and the number of lines bounded."""
    lines = [shorten(line, LINE_LIMIT) for line in message.splitlines() or [""]]
    if len(lines) > MAX_MESSAGE_LINES:
        lines = [*lines[:MAX_MESSAGE_LINES], f"... ({len(lines) - MAX_MESSAGE_LINES} more lines)"]
    print(f"{prog}: error: " + "\n".join(lines), file=sys.stderr)
