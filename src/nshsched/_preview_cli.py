"""``nshsched preview``: the terminal plot, the key-point table, and the PNG/CSV files.

Needs only numpy for closed-form schedules; plotext draws the terminal plot and matplotlib
(the optional ``plot`` extra) the PNG.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli import CLIError, UsageError, _read_source, _validate, classify
from .duration import TrainingLength, round_steps

if TYPE_CHECKING:
    import numpy as np

    from .lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["group_names", "key_points", "run_preview", "write_csv"]

_DEFAULT_TOTAL = 1000
_MAX_PLOT_POINTS = 2000


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


def write_csv(path: Path, columns: Sequence[str], lrs: np.ndarray) -> None:
    """``step,<group>,...`` then one row per optimizer step (floats written round-trip)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(["step", *columns]) + "\n")
        for step, row in enumerate(lrs.tolist()):
            f.write(",".join([str(step), *(repr(float(v)) for v in row)]) + "\n")


def _write_png(path: Path, columns: Sequence[str], lrs: np.ndarray, title: str) -> None:
    try:
        import matplotlib
    except ImportError:
        raise CLIError(
            "writing a PNG needs matplotlib, which is not installed: "
            "pip install 'nshsched[plot]' (or write a CSV with --out FILE.csv)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for i, name in enumerate(columns):
        ax.plot(range(lrs.shape[0]), lrs[:, i], label=name, linewidth=1.5)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("learning rate")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(columns) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ---------------------------------------------------------------------- key points


def _to_steps(owner: Any, count: Any, length: TrainingLength) -> int:
    return int(owner.to_units(count, length) * owner.steps_per_unit(length))


def _boundaries(config: Any, length: TrainingLength, offset: int = 0) -> list[tuple[int, str]]:
    """Steps where a schedule changes regime, read from its config: the end of its warmup,
    the boundaries of ``sequential`` phases and of ``step_decay``/``exponential_decay``
    intervals, recursively."""
    out: list[tuple[int, str]] = []
    total = length.total_steps
    inner_length, inner_offset = length, offset
    for field in ("warmup", "warmup_duration", "warmup_epochs"):
        count = getattr(config, field, None)
        if count is None or isinstance(count, bool):
            continue
        w = _to_steps(config, count, length)
        if w > 0:
            out.append((offset + w, "end of warmup"))
            # The generic warmup shortens the training the rest of the schedule sees.
            if field == "warmup" and hasattr(config, "intervals"):
                inner_length = TrainingLength(
                    steps_per_epoch=length.steps_per_epoch, total_steps=max(1, total - w)
                )
                inner_offset = offset + w
    intervals = getattr(config, "intervals", None)
    if isinstance(intervals, Sequence):
        for k, item in enumerate(intervals):
            for end in ("start", "end"):
                count = getattr(item, end, None)
                if count is not None:
                    step = _to_steps(config, count, inner_length)
                    out.append((inner_offset + step, f"interval {k} {end}"))
    phases = getattr(config, "phases", None)
    if isinstance(phases, Sequence):
        start = offset
        for k, phase in enumerate(phases):
            duration = getattr(phase, "duration", None)
            steps = (
                max(0, offset + total - start)
                if duration is None
                else _to_steps(config, duration, length)
            )
            schedule = getattr(phase, "schedule", None)
            if schedule is not None and steps > 0:
                phase_length = TrainingLength(
                    steps_per_epoch=length.steps_per_epoch, total_steps=steps
                )
                out += [
                    (s, f"phase {k}: {label}")
                    for s, label in _boundaries(schedule, phase_length, start)
                ]
            start += steps
            if k < len(phases) - 1:
                out.append((start, f"end of phase {k}"))
    return out


def key_points(
    config: Any, length: TrainingLength, columns: Sequence[str], lrs: np.ndarray
) -> list[tuple[str, int]]:
    """``(label, step)`` rows: start, end of warmup, phase/interval boundaries, min, max, end."""
    import numpy as np

    total = length.total_steps
    boundaries: list[tuple[int, str]] = []
    try:
        groups = getattr(config, "groups", None)
        if isinstance(groups, Mapping):
            for name, sub in [*groups.items(), ("default", getattr(config, "default", None))]:
                if sub is not None and name in columns:
                    boundaries += [(s, f"{name}: {lbl}") for s, lbl in _boundaries(sub, length)]
        else:
            boundaries += _boundaries(config, length)
    except (AttributeError, TypeError, ValueError):
        pass  # boundaries are a display aid; the curve itself is always shown
    merged: dict[int, list[str]] = {}
    for step, label in boundaries:
        if 0 < step < total and label not in merged.setdefault(step, []):
            merged[step].append(label)
    rows = [(0, "start"), *((s, ", ".join(labels)) for s, labels in merged.items()), (total, "end")]
    single = len(columns) == 1
    for i, name in enumerate(columns):
        suffix = "" if single else f" ({name})"
        rows.append((int(np.argmin(lrs[:, i])), "min" + suffix))
        rows.append((int(np.argmax(lrs[:, i])), "max" + suffix))
    return [(label, step) for step, label in sorted(rows, key=lambda r: r[0])]


def _table(points: list[tuple[str, int]], columns: Sequence[str], lrs: np.ndarray) -> str:
    header = ["point", "step", *columns]
    body = [
        [label, str(step), *(f"{lrs[step, i]:.6g}" for i in range(len(columns)))]
        for label, step in points
    ]
    widths = [max(len(r[c]) for r in [header, *body]) for c in range(len(header))]
    lines = []
    for r in [header, *body]:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _terminal_plot(columns: Sequence[str], lrs: np.ndarray, title: str) -> str:
    import numpy as np

    try:
        import plotext as plt
    except ImportError:
        return "(no terminal plot: plotext is not installed; pip install 'nshsched[cli]')"
    n = lrs.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, _MAX_PLOT_POINTS)).round().astype(np.int64))
    width, height = shutil.get_terminal_size((100, 24))
    plt.clear_figure()
    tty = sys.stdout.isatty()
    if not tty:
        plt.theme("clear")
    markers = ["braille", "dot", "x", "+", "o", "*"]
    for i, name in enumerate(columns):
        plt.plot(
            idx.tolist(),
            lrs[idx, i].tolist(),
            label=name if len(columns) > 1 else None,
            marker=markers[0] if tty else markers[i % len(markers)],
        )
    plt.plotsize(max(40, min(width, 110)), max(12, min(height - 4, 22)))
    plt.title(title)
    plt.xlabel("optimizer step")
    plt.ylabel("lr")
    text = str(plt.build())
    return text if tty else str(plt.uncolorize(text))


# ---------------------------------------------------------------------- the command


def run_preview(args: argparse.Namespace) -> int:
    from ._preview import preview

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".png", ".csv"):
        raise UsageError(f"--out must end in .png or .csv, got {args.out!r}")
    length = _length(args)
    data, what = _read_source(args.config, args.set or [])
    kind = classify(data)
    if kind == "optimizer":
        raise CLIError(f"{what} holds an optimizer config: preview needs a scheduler config")
    config = _validate(kind, data, what)
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
    print(_terminal_plot(columns, lrs, title))
    print(_table(key_points(config, length, columns, lrs), columns, lrs))
    if out is not None:
        if out.suffix.lower() == ".csv":
            write_csv(out, columns, lrs)
        else:
            _write_png(out, columns, lrs, title)
        print(f"wrote {out}")
    return 0
