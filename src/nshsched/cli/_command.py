"""What a subcommand is, and the argument types the subcommands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from ..loading.yaml_files import ConfigFileError, parse_scalar

__all__ = ["Command", "positive_float", "positive_int"]


@dataclass(frozen=True)
class Command:
    """One ``nshsched`` subcommand: its name, its help, its arguments and what it runs.

    ``run`` returns the exit code; it reports mistakes by raising
    :class:`~nshsched.cli.CLIError` (exit 1) or :class:`~nshsched.cli.UsageError` (exit 2).
    """

    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def positive_int(text: str) -> int:
    """An argument type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """An argument type: a finite number > 0 (``3e-4`` as in YAML)."""
    try:
        value = float(parse_scalar(text))
    except (TypeError, ValueError, ConfigFileError):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value
