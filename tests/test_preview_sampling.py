"""The bounded evaluation behind ``nshsched preview``: chunks, min-max decimation and
sampled extremes, checked against evaluating every step at once."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nshsched as S
from nshsched.cli import _sampling
from nshsched.cli._plan import PreviewPlan
from nshsched.cli._render import write_csv
from nshsched.cli._sampling import chunks, summarize


def curve(steps: np.ndarray) -> np.ndarray:
    """Three columns: a sawtooth of period 7 (many equal minima), a narrow spike at step
    4321 (narrower than a plot bin) and a plateau with a dip at steps 900..902."""
    t = np.asarray(steps, dtype=np.float64)
    saw = (t % 7) / 7
    spike = np.where(t == 4321, 5.0, 1.0 - t * 1e-5)
    dip = np.where((t >= 900) & (t <= 902), 0.25, 0.5)
    return np.stack([saw, spike, dip], axis=1)


def plan(total: int, calls: list[int] | None = None) -> PreviewPlan:
    def evaluate(steps: np.ndarray) -> np.ndarray:
        if calls is not None:
            calls.append(len(steps))
        return curve(steps)

    length = S.TrainingLength(steps_per_epoch=total, total_steps=total)
    return PreviewPlan("t", "d", None, length, ["saw", "spike", "dip"], evaluate)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3 columns x 999 rows per chunk: bins of 10 steps straddle chunk boundaries
    monkeypatch.setattr(_sampling, "CHUNK_CELLS", 3 * 999)


def test_exact_summary_equals_the_whole_array(small_chunks: None) -> None:
    total = 9999
    calls: list[int] = []
    summary = summarize(plan(total, calls), [0, 1, 2], [123, 900, 5000])
    everything = curve(np.arange(total + 1))
    assert summary.exact(total) and summary.evaluated == total + 1
    assert sum(calls) == total + 1 and max(calls) == 999  # each step once, in chunks
    assert summary.argmin == np.argmin(everything, axis=0).tolist() == [0, 9999, 900]
    assert summary.argmax == np.argmax(everything, axis=0).tolist() == [6, 4321, 0]
    for step in (0, 123, 900, 5000, total, *summary.argmin, *summary.argmax):
        np.testing.assert_array_equal(summary.values[step], everything[step])
    for j, (xs, ys) in enumerate(summary.plot):
        np.testing.assert_array_equal(ys, everything[xs, j])  # points of the curve
        assert xs[0] == 0 and xs[-1] == total and np.all(np.diff(xs) > 0)
        assert len(xs) <= 3 * _sampling.PLOT_BINS + 1
        # every bin of 10 steps keeps its lowest and highest value
        bins = everything[:, j].reshape(-1, 10)
        for b in range(len(bins)):
            inside = (xs >= 10 * b) & (xs < 10 * b + 10)
            assert ys[inside].min() == bins[b].min() and ys[inside].max() == bins[b].max()
    assert 4321 in summary.plot[1][0]  # the one-step spike is drawn


def test_short_runs_plot_every_step() -> None:
    summary = summarize(plan(50), [2, 0], [])
    assert summary.shown == [2, 0]
    xs, ys = summary.plot[1]
    assert xs.tolist() == list(range(51))
    np.testing.assert_array_equal(ys, curve(np.arange(51))[:, 0])


def test_sampled_summary_keeps_key_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sampling, "MAX_SAMPLES", 2000)
    total = 10**7
    calls: list[int] = []
    summary = summarize(plan(total, calls), [0, 1, 2], [4321, 900])
    assert not summary.exact(total) and summary.evaluated == sum(calls) < 2100
    # key steps and their neighbours are evaluated: the spike and the dip are found
    assert summary.argmax[1] == 4321 and summary.argmin[2] == 900
    np.testing.assert_array_equal(summary.values[4321], curve(np.array([4321]))[0])
    assert summary.plot[0][0][-1] == total


def test_csv_chunks_cover_every_step_once(small_chunks: None) -> None:
    out = io.StringIO()
    write_csv(out, ["saw", "spike", "dip"], chunks(plan(2500)))
    rows = out.getvalue().splitlines()
    assert rows[0] == "step,saw,spike,dip" and len(rows) == 2502
    assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(2501))
    assert rows[2] == "1,0.14285714285714285,0.99999,0.5"  # repr: round-trip floats
