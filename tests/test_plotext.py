"""The terminal plot with plotext 5.x and 6.x (their APIs differ: module functions in 5, a
figure object with signals in 6). The installed one is tested in process; the other major
version is installed into pytest's cache (``pip install --target``) and tested in a
subprocess, skipped only when the package index cannot be reached."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from _helpers.processes import output_of, run_code, run_python
from nshsched.cli._render import terminal_plot

VERSIONS = {"5": "5.3.2", "6": "6.1.0"}


def installed_major() -> str:
    return importlib.metadata.version("plotext").split(".")[0]


def check_plot(text: str, labels: bool) -> None:
    lines = text.splitlines()
    assert "my title" in lines[0]
    assert sum("┤" in line for line in lines) >= 3  # the y axis ticks
    assert "optimizer step" in text
    assert "\x1b[" not in text  # no colours when stdout is not a terminal
    assert ("encoder" in text and "actor" in text) == labels
    assert 12 <= len(lines) <= 30


def test_installed_plotext() -> None:
    xs = np.arange(0, 101)
    ys = np.where(xs < 10, xs / 10, 1 - (xs - 10) / 90)
    check_plot(terminal_plot(["lr"], [(xs, ys)], "my title"), labels=False)
    two = [(xs, ys), (xs, ys / 2)]
    check_plot(terminal_plot(["encoder", "actor"], two, "my title"), labels=True)


def test_non_finite_points_are_not_drawn() -> None:
    xs = np.arange(5)
    ys = np.array([1.0, np.nan, np.inf, 0.5, 0.25])
    check_plot(terminal_plot(["lr"], [(xs, ys)], "my title"), labels=False)
    nothing = terminal_plot(["lr"], [(xs, np.full(5, np.nan))], "my title")
    assert nothing == "(no terminal plot: no finite value to draw)"


def _other_plotext(request: pytest.FixtureRequest) -> Path:
    other = "5" if installed_major() == "6" else "6"
    version = VERSIONS[other]
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        target = cache.mkdir(f"plotext-{version}")
    else:
        target = request.getfixturevalue("tmp_path_factory").mktemp(f"plotext-{version}")
    if not (target / "plotext").is_dir():
        proc = run_python(
            "-m", "pip", "install", "--quiet", "--no-deps", "--target", target,
            f"plotext=={version}",
        )  # fmt: skip
        if proc.returncode != 0:
            pytest.skip(f"cannot install plotext {version}: {proc.stderr[-300:]}")
    return target


def test_the_other_major_version(request: pytest.FixtureRequest) -> None:
    target = _other_plotext(request)
    code = textwrap.dedent(
        """\
        import plotext
        from nshsched.cli import main
        print("plotext", plotext.__version__)
        raise SystemExit(main(["preview", "differential", "--total-steps", "300"]))
        """
    )
    proc = run_code(code, pythonpath=[target, *sys.path], timeout=120)
    version = output_of(proc).splitlines()[0].split()[1]
    assert version.split(".")[0] != installed_major()
    text = proc.stdout
    assert "preset differential: per_group" in text
    assert sum("┤" in line for line in text.splitlines()) >= 3
    assert "encoder" in text and "critic" in text
    assert "no terminal plot" not in text and "Traceback" not in proc.stderr


def test_unsupported_plotext_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "plotext").mkdir()
    (tmp_path / "plotext" / "__init__.py").write_text('__version__ = "99.0"\n')
    code = "from nshsched.cli import main; raise SystemExit(main(['preview', 'constant']))"
    proc = run_code(code, pythonpath=[tmp_path, *sys.path], timeout=120)
    assert (
        "(no terminal plot: plotext 99.0 is not supported; pip install 'plotext>=5.3,<7')"
        in output_of(proc)
    )
