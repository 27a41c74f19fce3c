"""``nshsched preview``: a schedule's learning rates over training, without training."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength, round_steps
from ._command import Command, positive_float, positive_int
from ._errors import CLIError, UsageError
from ._input import classify, read_source, validate_config
from ._keypoints import key_points
from ._overrides import SET_HELP
from ._render import table, terminal_plot, write_csv, write_png

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["PREVIEW", "group_names"]

_DEFAULT_TOTAL = 1000


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG_OR_PRESET", help="a YAML/JSON file or a preset name")
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "--total-steps", type=positive_int, metavar="N", help="optimizer steps (default 1000)"
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
    p.add_argument(
        "--lr",
        type=positive_float,
        default=1.0,
        help="base LR of every group (default 1.0: the plot shows the multiplier)",
    )
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=SET_HELP)
    p.add_argument(
        "--out", metavar="FILE", help="also write FILE.png (needs matplotlib) or FILE.csv"
    )


def _length(args: argparse.Namespace) -> TrainingLength:
    if args.epochs is not None:
        if args.steps_per_epoch is None:
            raise UsageError("--epochs needs --steps-per-epoch")
        total = round_steps(args.epochs * args.steps_per_epoch)
        if total < 1:
            raise UsageError(
                f"--epochs {args.epochs} x --steps-per-epoch {args.steps_per_epoch} "
                "is less than one step"
            )
        return TrainingLength(steps_per_epoch=args.steps_per_epoch, total_steps=total)
    total = args.total_steps or _DEFAULT_TOTAL
    return TrainingLength(steps_per_epoch=args.steps_per_epoch or total, total_steps=total)


def group_names(config: LRSchedulerConfigBase) -> list[str] | None:
    """The param-group names a multi-group config lists (``None``: one unnamed group).

    For a ``per_group`` config: every listed group, and ``default`` when it has a default.
    """
    groups = getattr(config, "groups", None)
    if not isinstance(groups, Mapping):
        return None
    names = [str(n) for n in groups]
    if getattr(config, "default", None) is not None and "default" not in names:
        names.append("default")
    return names


def _run(args: argparse.Namespace) -> int:
    from .._preview import preview

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".png", ".csv"):
        raise UsageError(f"--out must end in .png or .csv, got {args.out!r}")
    length = _length(args)
    data, what = read_source(args.config, args.set or [])
    kind = classify(data)
    if kind == "optimizer":
        raise CLIError(f"{what} holds an optimizer config: preview needs a scheduler config")
    config = validate_config(kind, data, what)
    if kind == "optimization":
        if config.scheduler is None:
            raise CLIError(f"{what} holds an OptimizationConfig without a scheduler")
        if any(getattr(g, "scheduler", "inherit") != "inherit" for g in config.param_groups):
            print(
                "note: previewing the global `scheduler`; per-group schedulers in "
                "`param_groups` are not shown",
                file=sys.stderr,
            )
        config = config.scheduler
    names = group_names(config)
    columns = names if names is not None else ["lr"]
    base_lrs: Any = dict.fromkeys(names, args.lr) if names is not None else [args.lr]
    lrs = preview(config, length, base_lrs)

    title = f"{what}: {config.name}"
    epochs = f"{length.epochs:g} epoch(s) of {length.steps_per_epoch}"
    print(
        f"{title} ({type(config).__name__}), {length.total_steps} steps ({epochs}), base lr {args.lr:g}"
    )
    print(terminal_plot(columns, lrs, title))
    print(table(key_points(config, length, columns, lrs), columns, lrs))
    if out is not None:
        if out.suffix.lower() == ".csv":
            write_csv(out, columns, lrs)
        else:
            write_png(out, columns, lrs, title)
        print(f"wrote {out}")
    return 0


PREVIEW = Command(
    name="preview",
    help="plot a schedule's learning rates in the terminal (or to a PNG/CSV)",
    description="Plot every param group's learning rate over training, in the terminal, "
    "with a table of key points (start, end of warmup, phase boundaries, min, max, end).",
    add_arguments=_arguments,
    run=_run,
)
