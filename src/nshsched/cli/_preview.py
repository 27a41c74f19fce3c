"""``nshsched preview``: a schedule's learning rates over training, without training.

The order matters: every mistake that can be found before any output is found first (the
arguments, ``--out``'s directory, matplotlib for a PNG, the config, the schedule at this
length); then the plot and the table are computed, printed, and the file is written whole
(see :mod:`._output`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from ..duration import TrainingLength
from ._command import (
    MAX_TOTAL_STEPS,
    Command,
    add_length_arguments,
    positive_float,
    training_length,
)
from ._errors import CLIError, UsageError
from ._groups import load_model
from ._input import KIND_LABEL, classify, read_source, validate_config
from ._keypoints import boundary_labels, key_points
from ._output import AtomicOutput, check_output_path
from ._overrides import SET_HELP
from ._plan import plan_preview
from ._render import require_matplotlib, table, terminal_plot, write_csv, write_png
from ._sampling import chunks, summarize

__all__ = ["MAX_SHOWN", "MAX_TOTAL_STEPS", "PREVIEW"]

DEFAULT_TOTAL = 1000
MAX_SHOWN = 8
"""The most groups drawn in the plot and listed in the table (the CSV has every group)."""


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG_OR_PRESET", help="a YAML/JSON file or a preset name")
    add_length_arguments(p, DEFAULT_TOTAL)
    p.add_argument(
        "--lr",
        type=positive_float,
        help="a scheduler config: the base LR of every group (default 1.0: the plot shows the "
        "multiplier); an OptimizationConfig: replaces the optimizer's lr (groups with their "
        "own lr keep it)",
    )
    p.add_argument(
        "--key",
        default="lr",
        metavar="KEY",
        help="an OptimizationConfig: the param-group value to show (default lr; e.g. "
        "weight_decay, momentum, betas.1, scheduled by its `hyperparameters`)",
    )
    p.add_argument(
        "--model",
        metavar="PKG.MODULE:FACTORY",
        help="an OptimizationConfig: preview the param groups `build` makes on this model "
        "(layer-decay parts, _no_decay siblings), one column each; a class or function "
        "called with no argument, returning an nn.Module (imports torch; the current "
        "directory is searched first). Without it, one column per configured group, then "
        "default, read from the config alone",
    )
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help=SET_HELP)
    p.add_argument(
        "--out",
        metavar="FILE",
        help="also write FILE.png (needs matplotlib) or FILE.csv (every step and group)",
    )


def _length(args: argparse.Namespace) -> TrainingLength:
    """The training length previewed (``--total-steps``, default 1000)."""
    length = training_length(args, DEFAULT_TOTAL)
    if length is None:  # pragma: no cover - there is a default
        raise UsageError("no training length")
    return length


def _run(args: argparse.Namespace) -> int:
    # 1. Everything that can be checked before any output.
    length = _length(args)
    out = Path(args.out) if args.out else None
    if out is not None:
        check_output_path(out, (".png", ".csv"))
        if out.suffix.lower() == ".png":
            require_matplotlib()
    data, what = read_source(args.config, args.set or [])
    kind = classify(data)
    config = validate_config(kind, data, what) if kind != "optimizer" else None
    model = None
    if args.model is not None:
        if kind != "optimization":
            raise CLIError(
                f"--model needs an OptimizationConfig (a mapping with `optimizer:`, whose "
                f"param groups are made on the model); {what} holds a {KIND_LABEL[kind]}"
            )
        model = load_model(args.model)
    plan = plan_preview(kind, config, what, length, args.lr, key=args.key, model=model)
    png = out is not None and out.suffix.lower() == ".png"
    output = AtomicOutput(out, binary=png) if out is not None else None
    with output if output is not None else contextlib.nullcontext():
        # 2. Compute what is shown (bounded: chunks of steps, at most MAX_SHOWN groups).
        total = length.total_steps
        shown = list(range(min(MAX_SHOWN, len(plan.columns))))
        names = [plan.columns[i] for i in shown]
        labels = boundary_labels(plan.config, length, names)
        summary = summarize(plan, shown, list(labels))
        points = key_points(labels, total, names, summary.argmin, summary.argmax)
        lines = [plan.description]
        if len(shown) < len(plan.columns):
            lines.append(
                f"(the plot and the table show the first {len(shown)} of "
                f"{len(plan.columns)} groups; --out FILE.csv writes every group)"
            )
        if not summary.exact(total):
            lines.append(
                f"(min and max over {summary.evaluated} evenly spaced steps and the key "
                "points; --out FILE.csv evaluates every step)"
            )
        lines.append(terminal_plot(names, summary.plot, plan.title))
        lines.append(table(points, names, summary.values))
        image = io.BytesIO()
        if png:  # drawn before anything is printed, like the rest
            write_png(image, names, summary.plot, plan.title)
        # 3. Print, then write the file whole.
        print("\n".join(lines))
        if output is not None:
            if png:
                output.file.write(image.getvalue())
            else:
                write_csv(output.file, plan.columns, chunks(plan))
            output.commit()
            print(f"wrote {out}")
    return 0


PREVIEW = Command(
    name="preview",
    help="plot a schedule's learning rates in the terminal (or to a PNG/CSV)",
    description="Plot every param group's learning rate over training, in the terminal, "
    "with a table of key points (start, end of warmup, phase boundaries, min, max, end). "
    "An OptimizationConfig is previewed from the file alone (torch is not imported), or "
    "with --model on the param groups `build` makes on that model.",
    add_arguments=_arguments,
    run=_run,
)
