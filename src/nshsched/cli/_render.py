"""How ``nshsched preview`` shows a schedule: the terminal plot (plotext 5 or 6), the
key-point table, the CSV (streamed) and the PNG (matplotlib)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from ._errors import CLIError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CSV_ROWS_CELLS",
    "require_matplotlib",
    "table",
    "terminal_plot",
    "write_csv",
    "write_png",
]

CSV_ROWS_CELLS = 1 << 16
"""Values formatted at once when writing a CSV (bounds the text held in memory)."""

Series = Sequence[tuple["np.ndarray", "np.ndarray"]]


# ---------------------------------------------------------------------- CSV


def write_csv(
    file: IO[str], columns: Sequence[str], chunks: Iterable[tuple[np.ndarray, np.ndarray]]
) -> None:
    """``step,<group>,...`` then one row per step of each ``(steps, values)`` chunk, floats
    written round-trip (``repr``)."""
    file.write(",".join(["step", *columns]) + "\n")
    rows = max(1, CSV_ROWS_CELLS // max(1, len(columns)))
    for steps, values in chunks:
        for start in range(0, len(steps), rows):
            at = steps[start : start + rows].tolist()
            if len(columns) == 1:  # the common case, twice as fast
                one = values[start : start + rows, 0].tolist()
                file.write("".join([f"{step},{v!r}\n" for step, v in zip(at, one)]))
                continue
            part = values[start : start + rows].tolist()
            file.write(
                "".join([f"{step},{','.join(map(repr, row))}\n" for step, row in zip(at, part)])
            )


# ---------------------------------------------------------------------- PNG


def require_matplotlib() -> None:
    """Import matplotlib now (before any output), or say what to install."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot
    except ImportError:
        raise CLIError(
            "writing a PNG needs matplotlib, which is not installed: "
            "pip install 'nshsched[plot]' (or write a CSV with --out FILE.csv)"
        ) from None


def write_png(file: IO[bytes], columns: Sequence[str], series: Series, title: str) -> None:
    """A line per column of ``(steps, values)`` points, as a PNG written to ``file``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    try:
        for name, (xs, ys) in zip(columns, _finite(series)):
            ax.plot(xs, ys, label=name, linewidth=1.5)
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("learning rate")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if len(columns) > 1:
            ax.legend()
        fig.tight_layout()
        fig.savefig(file, format="png")
    finally:
        plt.close(fig)


def _finite(series: Series) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each series without its non-finite points (a user's schedule may produce them;
    plotting libraries fail on them)."""
    import numpy as np

    return [(xs[np.isfinite(ys)], ys[np.isfinite(ys)]) for xs, ys in series]


# ---------------------------------------------------------------------- table


def table(
    points: Sequence[tuple[str, int]], columns: Sequence[str], values: Mapping[int, np.ndarray]
) -> str:
    """The key points, one row each: label, step and every column's value there."""
    header = ["point", "step", *columns]
    body = [
        [label, str(step), *(f"{v:.6g}" for v in values[step].tolist())] for label, step in points
    ]
    widths = [max(len(r[c]) for r in [header, *body]) for c in range(len(header))]
    lines = []
    for r in [header, *body]:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------- terminal plot

# The first series in braille (the finest); the others each in a character of its own, so
# that they stay apart without colours. Every one is a marker in plotext 5 and 6.
_MARKERS = ["braille", "x", "+", "o", "*", "#", "%", "@"]


def terminal_plot(columns: Sequence[str], series: Series, title: str) -> str:
    """The plot as text, drawn by plotext (5.x or 6.x); a one-line note when plotext is
    missing or of an unsupported version."""
    try:
        import plotext
    except ImportError:
        return "(no terminal plot: plotext is not installed; pip install 'nshsched[cli]')"
    width, height = shutil.get_terminal_size((100, 24))
    size = (max(40, min(width, 110)), max(12, min(height - 4, 22)))
    color = sys.stdout.isatty()
    labels = [name if len(columns) > 1 else None for name in columns]
    data = [(xs.tolist(), ys.tolist()) for xs, ys in _finite(series)]
    if not any(xs for xs, _ in data):
        return "(no terminal plot: no finite value to draw)"
    if callable(getattr(plotext, "plot", None)) and callable(getattr(plotext, "build", None)):
        return _plotext5(plotext, labels, data, title, size, color)
    figure = getattr(plotext, "figure", None)
    if callable(getattr(figure, "signal", None)) and callable(getattr(figure, "build", None)):
        return _plotext6(figure, labels, data, title, size, color)
    version = getattr(plotext, "__version__", "?")
    return f"(no terminal plot: plotext {version} is not supported; pip install 'plotext>=5.3,<7')"


def _plotext5(
    plt: Any,
    labels: Sequence[str | None],
    data: Sequence[tuple[list[Any], list[Any]]],
    title: str,
    size: tuple[int, int],
    color: bool,
) -> str:
    """plotext 5.x: module-level functions on one global figure."""
    plt.clear_figure()
    if not color:
        plt.theme("clear")
    for i, (label, (xs, ys)) in enumerate(zip(labels, data)):
        marker = _MARKERS[0] if color else _MARKERS[i % len(_MARKERS)]
        plt.plot(xs, ys, label=label, marker=marker)
    plt.plotsize(*size)
    plt.title(title)
    plt.xlabel("optimizer step")
    plt.ylabel("lr")
    text = str(plt.build())
    plt.clear_figure()
    return text if color else str(plt.uncolorize(text))


def _plotext6(
    figure: Any,
    labels: Sequence[str | None],
    data: Sequence[tuple[list[Any], list[Any]]],
    title: str,
    size: tuple[int, int],
    color: bool,
) -> str:
    """plotext 6.x: a figure object; signals are built, configured, then drawn."""
    figure.clear.all()
    figure.plot_size(*size)
    figure.theme("default" if color else "colorless")
    for i, (label, (xs, ys)) in enumerate(zip(labels, data)):
        marker = _MARKERS[0] if color else _MARKERS[i % len(_MARKERS)]
        signal = figure.signal(xs, ys, marker=marker).lines(True)
        if label is not None:
            signal.label(label)
        figure.draw(signal)
    figure.title(title)
    figure.label("optimizer step", axis=0)
    figure.label("lr", axis=1)
    text = str(figure.build().string(colorless=not color))
    figure.clear.all()
    return text
