"""Bounded evaluation of a preview: the plot points, the min and max of each shown group
and the values at the key points, from chunks of steps, never the whole run at once.

A run of up to :data:`EXACT_CELLS` (step, group) values is evaluated at every step; a longer
one at about that many evenly spaced steps plus every key step and its neighbours (the min
and max are then those of the sample, and say so). The plot keeps, per bin of steps, the
first, lowest and highest point of each group (min-max decimation), so drops and peaks
narrower than a bin still show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._plan import PreviewPlan

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CHUNK_CELLS",
    "EXACT_CELLS",
    "MAX_CHUNK_ROWS",
    "MAX_SAMPLES",
    "PLOT_BINS",
    "Summary",
    "chunks",
    "summarize",
]

CHUNK_CELLS = 1 << 24
"""The most (step, group) values evaluated at once (128 MiB of float64)."""
MAX_CHUNK_ROWS = 1 << 20
"""The most steps evaluated at once (a schedule's temporaries are per step)."""
EXACT_CELLS = 1 << 24
"""Runs with at most this many (step, group) values are evaluated at every step."""
MIN_SAMPLES = 1000
MAX_SAMPLES = 1_000_000
PLOT_BINS = 1000
"""The plot has at most 3 points per bin and group (first, min, max), plus the last step."""


@dataclass(frozen=True)
class Summary:
    """What the plot and the table need from a run.

    Attributes:
        shown: The indices of the plan's columns shown in the plot and the table.
        plot: Per shown column, its ``(steps, values)`` to draw.
        argmin: Per shown column, the first step of its lowest value (in the evaluated steps).
        argmax: Per shown column, the first step of its highest value.
        values: Step -> the row of every shown column, for each key step, min and max.
        evaluated: How many steps were evaluated (``total_steps + 1`` when exact).
    """

    shown: list[int]
    plot: list[tuple[np.ndarray, np.ndarray]]
    argmin: list[int]
    argmax: list[int]
    values: dict[int, np.ndarray]
    evaluated: int

    def exact(self, total_steps: int) -> bool:
        """Whether every step was evaluated."""
        return self.evaluated == total_steps + 1


def chunks(
    plan: PreviewPlan, steps: Iterable[np.ndarray] | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(steps, values)`` of every step ``0..total_steps`` (or of ``steps``), in chunks of
    at most :data:`CHUNK_CELLS` values."""
    import numpy as np

    rows = max(1, min(MAX_CHUNK_ROWS, CHUNK_CELLS // len(plan.columns)))
    if steps is None:
        n = plan.length.total_steps + 1
        for start in range(0, n, rows):
            block = np.arange(start, min(n, start + rows), dtype=np.int64)
            yield block, plan.evaluate(block)
        return
    for array in steps:
        for start in range(0, len(array), rows):
            block = array[start : start + rows]
            yield block, plan.evaluate(block)


def _sample_steps(total: int, count: int, keep: Sequence[int]) -> np.ndarray:
    import numpy as np

    even = np.linspace(0, total, count).round().astype(np.int64)
    near = np.asarray([s + d for s in keep for d in (-1, 0, 1)], dtype=np.int64)
    steps = np.concatenate([even, near[(near >= 0) & (near <= total)]])
    return np.unique(steps)


def summarize(plan: PreviewPlan, shown: Sequence[int], key_steps: Sequence[int]) -> Summary:
    """Evaluate ``plan`` in chunks: plot points, extremes and key-step values of the
    ``shown`` columns (each step evaluated once)."""
    import numpy as np

    total = plan.length.total_steps
    n = total + 1
    shown = list(shown)
    k = len(shown)
    target = min(MAX_SAMPLES, max(MIN_SAMPLES, EXACT_CELLS // len(plan.columns)))
    keys = np.asarray(sorted({0, total, *(int(s) for s in key_steps if 0 <= s <= total)}))
    if n <= target:
        source = chunks(plan)
        evaluated = n
    else:
        sample = _sample_steps(total, target, keys.tolist())
        source = chunks(plan, [sample])
        evaluated = len(sample)
    width = -(-n // min(n, PLOT_BINS))  # steps per bin, so that there are <= PLOT_BINS bins
    values: dict[int, np.ndarray] = {}
    diag = np.arange(k)
    # Per bin: first step and row; per column j the step of its min (max) and the shown row
    # there; merged across chunks (a bin can straddle two).
    bins: dict[int, _Bin] = {}
    for steps, block in source:
        block = block[:, shown]
        at = np.searchsorted(steps, keys).clip(0, len(steps) - 1)
        for i in np.flatnonzero(steps[at] == keys):
            values[int(keys[i])] = block[at[i]]
        ids = steps // width
        cuts = np.flatnonzero(np.diff(ids)) + 1
        for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(steps)].tolist()):
            seg, seg_steps = block[a:b], steps[a:b]
            lo, hi = seg.argmin(axis=0), seg.argmax(axis=0)
            new = _Bin(int(seg_steps[0]), seg[0], seg_steps[lo], seg[lo], seg_steps[hi], seg[hi])
            old = bins.setdefault(int(ids[a]), new)
            if old is not new:
                old.merge(new, diag)
    ordered = [bins[b] for b in sorted(bins)]
    plot = []
    argmin, argmax = [], []
    for j in range(k):
        xs = np.asarray([x for b in ordered for x in (b.first_step, b.lo_steps[j], b.hi_steps[j])])
        ys = np.asarray(
            [y for b in ordered for y in (b.first_row[j], b.lo_rows[j, j], b.hi_rows[j, j])]
        )
        xs, first = np.unique(xs, return_index=True)
        ys = ys[first]
        if xs[-1] != total:  # the last bin's first, min and max may all come before it
            xs, ys = np.append(xs, total), np.append(ys, values[total][j])
        plot.append((xs, ys))
        lows = np.asarray([b.lo_rows[j, j] for b in ordered])
        highs = np.asarray([b.hi_rows[j, j] for b in ordered])
        b_lo, b_hi = ordered[int(np.argmin(lows))], ordered[int(np.argmax(highs))]
        argmin.append(int(b_lo.lo_steps[j]))
        argmax.append(int(b_hi.hi_steps[j]))
        values.setdefault(argmin[-1], b_lo.lo_rows[j])
        values.setdefault(argmax[-1], b_hi.hi_rows[j])
    return Summary(shown, plot, argmin, argmax, values, evaluated)


class _Bin:
    """The first point and each column's extremes within one bin of steps."""

    def __init__(
        self,
        first_step: int,
        first_row: np.ndarray,
        lo_steps: np.ndarray,
        lo_rows: np.ndarray,
        hi_steps: np.ndarray,
        hi_rows: np.ndarray,
    ) -> None:
        self.first_step, self.first_row = first_step, first_row
        self.lo_steps, self.lo_rows = lo_steps, lo_rows
        self.hi_steps, self.hi_rows = hi_steps, hi_rows

    def merge(self, later: _Bin, diag: np.ndarray) -> None:
        """Take ``later``'s extremes where strictly beyond (ties keep the earlier step)."""
        import numpy as np

        lower = later.lo_rows[diag, diag] < self.lo_rows[diag, diag]
        higher = later.hi_rows[diag, diag] > self.hi_rows[diag, diag]
        self.lo_steps = np.where(lower, later.lo_steps, self.lo_steps)
        self.lo_rows = np.where(lower[:, None], later.lo_rows, self.lo_rows)
        self.hi_steps = np.where(higher, later.hi_steps, self.hi_steps)
        self.hi_rows = np.where(higher[:, None], later.hi_rows, self.hi_rows)
