"""The ``nshsched`` command under hostile input and failing output: no traceback, short
messages, the right exit code, nothing half-written, and bounded time and memory.

Each measured run is a fresh ``python -m nshsched`` whose peak memory (``ru_maxrss``) and
CPU time are read by a small parent process, so they are the command's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from _helpers.processes import (
    BLOCK_MATPLOTLIB,
    output_of,
    run_cli,
    run_code,
    without_permission_override,
)
from nshsched.cli._errors import MAX_ERRORS_SHOWN

# Runs the command as its only child: the child's exit code, output, peak RSS and CPU time.
_MEASURE = textwrap.dedent(
    """\
    import json, resource, signal, subprocess, sys
    fsize = int(sys.argv[1])
    def limit():
        if fsize:  # a file size limit: a write past it fails with EFBIG (not a signal)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    p = subprocess.run(sys.argv[2:], capture_output=True, timeout=300, preexec_fn=limit)
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rc": p.returncode, "out": p.stdout.decode("utf-8", "replace"),
                      "err": p.stderr.decode("utf-8", "replace"), "rss_mib": r.ru_maxrss / 1024,
                      "cpu": r.ru_utime + r.ru_stime}))
    """
)


class Run:
    def __init__(self, rc: int, out: str, err: str, rss_mib: float, cpu: float) -> None:
        self.returncode, self.stdout, self.stderr = rc, out, err
        self.rss_mib, self.cpu = rss_mib, cpu


def nshsched(*args: str, fsize: int = 0, code: str | None = None) -> Run:
    """``python -m nshsched ARGS`` (or ``python -c CODE ARGS``), measured."""
    target = ["-c", code] if code else ["-m", "nshsched"]
    measured = run_code(_MEASURE, str(fsize), sys.executable, *target, *args, timeout=600)
    return Run(**json.loads(output_of(measured)))


def assert_clean(run: Run, rc: int, *fragments: str, max_lines: int = 30) -> None:
    """Exit code ``rc``, no traceback, a short stderr naming ``fragments``."""
    assert run.returncode == rc, run.stderr
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    lines = run.stderr.splitlines()
    assert 0 < len(lines) <= max_lines, run.stderr[:2000]
    assert max(len(line) for line in lines) <= 700, run.stderr[:2000]
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr[:2000]


@pytest.fixture(scope="module")
def baseline() -> Run:
    """A trivial run: what any command costs (the interpreter, pydantic, numpy)."""
    return nshsched("preview", "constant", "--total-steps", "1")


# ---------------------------------------------------------------------- hostile corpus

_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi")
)

# name -> (content, what stderr must say)
CORPUS: dict[str, tuple[str | bytes, str]] = {
    "bomb.yaml": (_BOMB + "name: cosine\nwarmup: *i\n", "an alias bomb?"),
    # 9**4 strings: within the budget, so validation sees (and quotes) it
    "aliases_in_field.yaml": (
        "".join(_BOMB.splitlines(keepends=True)[:4]) + "name: cosine\nwarmup: *d\n",
        "warmup",
    ),
    "deep.yaml": ("name: cosine\nwarmup: " + "[" * 10_000 + "]" * 10_000, "more than 100 levels"),
    "deep.json": ('{"name": ' + "[" * 10_000 + "]" * 10_000 + "}", "more than 100 levels"),
    "deep_block.yaml": (
        "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n",
        "more than 100 levels",
    ),
    "huge_string.yaml": ("name: " + "x" * 1_000_000 + "\n", "(1000000 characters)"),
    "huge_value.yaml": ("name: cosine\nwarmup: " + "y" * 1_000_000 + "\n", "warmup"),
    "huge_key.yaml": (
        "name: cosine\n? " + "k" * 1_000_000 + "\n: 1\n",
        "kkkkkkkkkkkkkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkkkkkkkkkkkk: not a field of CosineSchedulerConfig",
    ),
    "dup.yaml": ("name: cosine\nwarmup: 3\nname: linear\n", "duplicate key 'name'"),
    "dup.json": ('{"name": "cosine", "name": "linear"}', "duplicate key 'name'"),
    "trailing.json": ('{"name": "cosine", "warmup": 3,}', "trailing comma"),
    "nan.json": ('{"name": "cosine", "warmup": NaN}', "NaN is not a JSON number"),
    "nan.yaml": ("name: cosine\nnum_cycles: .nan\n", "num_cycles"),
    "bad_lr.yaml": ("optimizer: {name: adamw, lr: [1]}\n", "optimizer.lr"),
    "surrogate.yaml": ('name: "\\ud800"\n', "lone surrogate"),
    "surrogate.json": ('{"name": "\\udc80"}', "lone surrogate"),
    "garbage.yaml": (bytes(range(256)) * 4, "not UTF-8 text"),
    "nul.yaml": (b"name: cosine\x00\n", "special characters are not allowed"),
    "empty.yaml": ("", "got an empty file"),
    "empty.json": ("", "the file is empty"),
    "python_tag.yaml": ("!!python/object/apply:os.system ['true']\n", "is not allowed"),
    "many_errors.yaml": (
        "name: sequential\nphases:\n" + "  - {schedule: {name: nope}, duration: x}\n" * 200,
        "many_errors.yaml (SequentialSchedulerConfig)\n  phases.0.schedule: unknown name 'nope'",
    ),
    "many_errors_2.yaml": (
        "name: sequential\nphases:\n" + "  - {schedule: {name: nope}, duration: x}\n" * 200,
        f"  ... and {400 - MAX_ERRORS_SHOWN} more\n",
    ),
    "list.yaml": ("- 1\n- 2\n", "expected a mapping (a config), got list"),
    "number_tag.yaml": (f"name: {'1' * 300}\n", "a number of 300 characters"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    for name, (content, _) in CORPUS.items():
        if isinstance(content, bytes):
            (d / name).write_bytes(content)
        else:
            (d / name).write_text(content, encoding="utf-8")
    return d


@pytest.mark.parametrize("command", ["validate", "preview"])
@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_file(corpus: Path, baseline: Run, name: str, command: str) -> None:
    run = nshsched(command, str(corpus / name))
    assert_clean(run, 1, CORPUS[name][1])
    assert run.stdout == ""  # found before any output
    size = (corpus / name).stat().st_size
    # A file of up to 1 KiB costs under a second and 100 MiB to reject; larger ones
    # (1 MB strings, deep nesting) at most a few seconds and 100 MiB more than that.
    limit_cpu, limit_mib = (1.0, 100) if size <= 1024 else (5.0, 200)
    assert run.cpu - baseline.cpu < limit_cpu, (name, run.cpu, baseline.cpu)
    assert run.rss_mib - baseline.rss_mib < limit_mib, (name, run.rss_mib, baseline.rss_mib)


# ---------------------------------------------------------------------- command line


def test_version() -> None:
    import nshsched

    run = nshsched_in_process(["--version"])
    assert run == (0, f"nshsched {nshsched.__version__}\n", "")


def nshsched_in_process(argv: list[str]) -> tuple[Any, str, str]:
    import contextlib
    import io

    from nshsched.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: Any = main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "rc", "fragment"),
    [
        (["--total-steps", str(2**53 + 1)], 2, "--total-steps 9007199254740993 is more than 2**53"),
        (["--total-steps", "9" * 5000], 2, "expected a positive integer, got '9999"),
        (["--epochs", "1e300", "--steps-per-epoch", "10"], 2, "is more than 2**53 steps"),
        (["--epochs", "1e-9", "--steps-per-epoch", "10"], 2, "is less than one step"),
        (["--set", "warmup=[1"], 2, "--set warmup=...: value '[1', line 1, column 3"),
        (["--set", "nokey"], 2, "--set expects key.path=value, got 'nokey'"),
        (["--set", "x" * 5000], 2, "(5000 characters)"),
        (["--set", "warmup.value.x=1"], 1, "--set warmup.value.x: warmup.value holds 0.05"),
        (["--set", "name=adamw"], 1, "holds an optimizer config"),
        (["--set", "name=" + "z" * 5000], 1, "unknown name 'zzz"),
        (["--out", "lr.txt"], 2, "--out must end in .png or .csv, got 'lr.txt'"),
    ],
)
def test_argument_errors(argv: list[str], rc: int, fragment: str) -> None:
    code, out, err = nshsched_in_process(["preview", "warmup_cosine", *argv])
    assert code == rc, err
    assert out == ""
    assert fragment in err
    assert "Traceback" not in err and max(len(line) for line in err.splitlines()) <= 700


def test_out_into_a_missing_directory_or_onto_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    cases = {
        str(tmp_path / "missing" / "lr.csv"): "no directory",
        str(tmp_path / "d.csv"): "it is a directory",
        str(tmp_path / "file.csv" / "lr.csv"): "is not a directory",
    }
    (tmp_path / "file.csv").write_text("")
    for out, fragment in cases.items():
        code, stdout, err = nshsched_in_process(["preview", "warmup_cosine", "--out", out])
        assert code == 1, err
        assert stdout == "" and fragment in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "file.csv"]


def test_out_into_a_read_only_directory(tmp_path: Path) -> None:
    # The directory's owner may not write into it. Root may (CAP_DAC_OVERRIDE): the command
    # runs without that power, so the test means the same as root (CI) and as anyone else.
    (tmp_path / "ro").mkdir(mode=0o500)
    result = run_cli(
        "preview", "warmup_cosine", "--out", str(tmp_path / "ro" / "lr.csv"),
        preexec_fn=without_permission_override, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and result.stdout == "" and "Permission denied" in result.stderr
    assert list((tmp_path / "ro").iterdir()) == []


def test_png_without_matplotlib_found_before_any_output(tmp_path: Path) -> None:
    out = tmp_path / "lr.png"
    run = nshsched("preview", "constant", "--out", str(out), code=BLOCK_MATPLOTLIB)
    assert_clean(run, 1, "needs matplotlib", "pip install 'nshsched[plot]'")
    assert run.stdout == ""  # nothing drawn first
    assert list(tmp_path.iterdir()) == []


def test_a_write_failing_half_way_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "lr.csv"
    out.write_text("the previous file\n")
    # The file size limit lets the write start, then fails it (EFBIG) after 64 KiB.
    run = nshsched("preview", "warmup_cosine", "--total-steps", "100000", "--out", str(out),
                   fsize=65536)  # fmt: skip
    assert_clean(run, 1, f"cannot write '{out}': File too large")
    assert out.read_text() == "the previous file\n"  # untouched: the rename never happened
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.csv"]  # no temporary left


def test_written_files_are_whole_and_replace_atomically(tmp_path: Path) -> None:
    out = tmp_path / "lr.csv"
    out.write_text("old\n")
    code, stdout, err = nshsched_in_process(
        ["preview", "warmup_cosine", "--total-steps", "2500", "--out", str(out)]
    )
    assert code == 0, err
    assert stdout.endswith(f"wrote {out}\n")
    rows = out.read_text().splitlines()
    assert rows[0] == "step,lr" and len(rows) == 2502 and rows[-1] == "2500,0.0"
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.csv"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_unexpected_exception_is_one_line(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """\
        import sys
        from typing import Literal
        import nshsched as S

        @S.lr_scheduler_registry.register
        class Broken(S.ClosedFormLRSchedulerConfigBase):
            name: Literal["broken"] = "broken"
            def multiplier(self, step, length):
                raise RuntimeError("boom " + "x" * 5000)

        from nshsched.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    (tmp_path / "b.yaml").write_text("name: broken\n")
    run = nshsched("preview", str(tmp_path / "b.yaml"), code=code)
    assert_clean(run, 1, "internal error: RuntimeError: boom", "please report it", max_lines=1)
    assert run.stdout == ""


def test_broken_pipe_is_quiet() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m nshsched schema | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout == '{\n  "$sche'
    assert proc.stderr == ""


def test_validation_messages_quote_little(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "name: cosine\nwarmup: {kind: " + "q" * 5000 + ", value: 3}\nnum_cycles: [" + "1, " * 2000
        + "1]\n"
    )  # fmt: skip
    code, out, err = nshsched_in_process(["validate", str(tmp_path / "c.yaml")])
    assert code == 1 and out == ""
    assert "num_cycles: Input should be a valid number (got [1, 1, 1, 1, 1, 1, ...])" in err
    assert "qqqq" in err and max(len(line) for line in err.splitlines()) <= 700


# ---------------------------------------------------------------------- bounded preview


def test_preview_of_1e8_steps_is_bounded(baseline: Run, tmp_path: Path) -> None:
    run = nshsched("preview", "warmup_cosine", "--total-steps", str(10**8), "--out",
                   str(tmp_path / "lr.png"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "100000000 steps" in run.stdout and "end of warmup    5000000   1" in run.stdout
    assert "(min and max over" in run.stdout
    assert run.rss_mib - baseline.rss_mib < 500, (run.rss_mib, baseline.rss_mib)
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"


def test_streamed_csv_is_bounded(baseline: Run, tmp_path: Path) -> None:
    out = tmp_path / "lr.csv"
    # 1.5 million steps: two chunks of evaluation, written 65536 values at a time
    run = nshsched("preview", "warmup_cosine", "--total-steps", str(1_500_000), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert run.rss_mib - baseline.rss_mib < 500, (run.rss_mib, baseline.rss_mib)
    with out.open() as f:
        assert f.readline() == "step,lr\n" and f.readline() == "0,0.0\n"
    assert out.stat().st_size > 1_500_000 * 8


def test_preview_of_1e4_groups_is_bounded(baseline: Run, tmp_path: Path) -> None:
    lines = ["name: per_group", "default: &s {name: cosine, warmup: 30}", "groups:"]
    lines += [f"  g{i}: *s" for i in range(10_000)]
    (tmp_path / "g.yaml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "g.csv"
    run = nshsched("preview", str(tmp_path / "g.yaml"), "--total-steps", "300", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "the first 8 of 10001 groups" in run.stdout  # and `default`
    assert run.rss_mib - baseline.rss_mib < 500, (run.rss_mib, baseline.rss_mib)
    with out.open() as f:
        header = f.readline().rstrip("\n").split(",")
        assert header[:3] == ["step", "g0", "g1"] and header[-1] == "default"
        assert len(header) == 10_002
        row = f.readline().rstrip("\n").split(",")
        assert row[0] == "0" and len(row) == 10_002 and set(row[1:]) == {"0.0"}


_STEPPED = textwrap.dedent(
    """\
    import sys
    from typing import Literal
    import torch
    import nshsched as S

    @S.lr_scheduler_registry.register
    class Halving(S.LRSchedulerConfigBase):
        '''Halves the LR every step: torch's own scheduler, no closed form.'''
        name: Literal["halving"] = "halving"
        def metadata(self):
            return {"interval": "step"}
        def create_scheduler_impl(self, optimizer, length):
            return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)

    from nshsched.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_schedule_without_closed_form_is_stepped_once(tmp_path: Path) -> None:
    (tmp_path / "h.yaml").write_text("name: halving\n")
    out = tmp_path / "h.csv"
    run = nshsched("preview", str(tmp_path / "h.yaml"), "--total-steps", "40", "--out", str(out),
                   code=_STEPPED)  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = out.read_text().splitlines()
    assert rows[1:4] == ["0,1.0", "1,0.5", "2,0.25"] and rows[-1] == f"40,{0.5**40!r}"
    run = nshsched("preview", str(tmp_path / "h.yaml"), "--total-steps", str(10**8),
                   code=_STEPPED)  # fmt: skip
    assert_clean(run, 1, "halving has no closed form", "more than 10000000 values")
    assert run.stdout == ""


def test_a_full_disk_on_stdout_is_one_line() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = run_cli("schema", stdout=full, timeout=60)
    assert proc.returncode == 1
    assert (
        proc.stderr == "nshsched schema: error: cannot write the output: No space left on device\n"
    )
