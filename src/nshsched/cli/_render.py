"""How ``nshsched preview`` shows a schedule: the terminal plot, the key-point table, the
CSV and the PNG."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import CLIError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["table", "terminal_plot", "write_csv", "write_png"]

_MAX_PLOT_POINTS = 2000


def write_csv(path: Path, columns: Sequence[str], lrs: np.ndarray) -> None:
    """``step,<group>,...`` then one row per optimizer step (floats written round-trip)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(["step", *columns]) + "\n")
        for step, row in enumerate(lrs.tolist()):
            f.write(",".join([str(step), *(repr(float(v)) for v in row)]) + "\n")


def write_png(path: Path, columns: Sequence[str], lrs: np.ndarray, title: str) -> None:
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


def table(points: list[tuple[str, int]], columns: Sequence[str], lrs: np.ndarray) -> str:
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


def terminal_plot(columns: Sequence[str], lrs: np.ndarray, title: str) -> str:
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
