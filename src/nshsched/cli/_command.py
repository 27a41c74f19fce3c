"""What a subcommand is, and the argument types the subcommands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from ..duration import TrainingLength, round_steps
from ..loading.yaml_files import ConfigFileError, parse_scalar
from ._errors import UsageError

__all__ = [
    "MAX_TOTAL_STEPS",
    "Command",
    "add_length_arguments",
    "positive_float",
    "positive_int",
    "training_length",
]

MAX_TOTAL_STEPS = 2**53
"""The longest run, in optimizer steps (beyond it, steps are not exact floats)."""


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


def add_length_arguments(p: argparse.ArgumentParser, default_total: int | None) -> None:
    """``--total-steps N`` or ``--epochs E``, and ``--steps-per-epoch S``."""
    length = p.add_mutually_exclusive_group()
    default = f"default {default_total}, " if default_total is not None else ""
    length.add_argument(
        "--total-steps",
        type=positive_int,
        metavar="N",
        help=f"optimizer steps ({default}at most 2**53)",
    )
    length.add_argument(
        "--epochs", type=positive_float, metavar="E", help="epochs (needs --steps-per-epoch)"
    )
    p.add_argument(
        "--steps-per-epoch",
        type=positive_int,
        metavar="S",
        help="optimizer steps per epoch (default: the whole run is one epoch)",
    )


def training_length(args: argparse.Namespace, default_total: int | None) -> TrainingLength | None:
    """The training length from ``--total-steps`` / ``--epochs`` and ``--steps-per-epoch``
    (``None`` when neither is given and there is no default).

    Raises:
        UsageError: ``--epochs`` without ``--steps-per-epoch``, ``--steps-per-epoch`` alone
            without a default length, a length beyond 2**53 steps or below one step.
    """
    per_epoch = args.steps_per_epoch
    if per_epoch is not None and per_epoch > MAX_TOTAL_STEPS:
        raise UsageError(f"--steps-per-epoch {per_epoch} is more than 2**53 steps")
    if args.epochs is not None:
        if per_epoch is None:
            raise UsageError("--epochs needs --steps-per-epoch")
        steps = args.epochs * per_epoch
        if steps > MAX_TOTAL_STEPS:
            raise UsageError(
                f"--epochs {args.epochs:g} x --steps-per-epoch {per_epoch} is more than 2**53 steps"
            )
        total = round_steps(steps)
        if total < 1:
            raise UsageError(
                f"--epochs {args.epochs:g} x --steps-per-epoch {per_epoch} is less than one step"
            )
    else:
        given: int | None = args.total_steps or default_total
        if given is None:
            if per_epoch is not None:
                raise UsageError("--steps-per-epoch needs --total-steps or --epochs")
            return None
        if given > MAX_TOTAL_STEPS:
            raise UsageError(f"--total-steps {given} is more than 2**53 steps")
        total = given
    return TrainingLength(steps_per_epoch=per_epoch or total, total_steps=total)
