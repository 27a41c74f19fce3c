"""Fresh interpreters: the ``nshsched`` command, Python snippets and scripts, run the way a
user's shell runs them."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nshsched.config.plugins import ENV_VAR

TESTS = Path(__file__).resolve().parents[1]
"""The tests folder: put it on a child's ``pythonpath`` to import ``_helpers`` there."""


def run_python(
    *argv: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    pythonpath: Sequence[str | Path] = (),
    isolated: bool = False,
    input: str | None = None,
    stdout: Any = subprocess.PIPE,
    timeout: float = 300,
    preexec_fn: Any = None,
) -> subprocess.CompletedProcess[str]:
    """``python ARGV`` in a fresh interpreter (this one's executable): text in and out, stdout
    and stderr captured, the exit code not checked (see :func:`output_of`).

    The child gets this process's environment — with ``isolated``, less ``PYTHONPATH`` and
    ``NSHSCHED_IMPORT`` (``ENV_VAR``), as a user's shell has it — then ``pythonpath`` in
    front of its ``PYTHONPATH``, then ``env``.
    """
    environ = dict(os.environ)
    if isolated:
        environ.pop("PYTHONPATH", None)
        environ.pop(ENV_VAR, None)
    if pythonpath:
        rest = [environ["PYTHONPATH"]] if environ.get("PYTHONPATH") else []
        environ["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), *rest])
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, *map(str, argv)],
        cwd=cwd,
        env=environ,
        input=input,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
    )


def run_code(code: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` (:func:`run_python`'s keywords)."""
    return run_python("-c", code, *args, **kwargs)


def run_cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m nshsched ARGS`` (:func:`run_python`'s keywords)."""
    return run_python("-m", "nshsched", *args, **kwargs)


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    """The stdout of a run that exited 0; a run that did not fails the test with the end of
    its output."""
    assert result.returncode == 0, (
        f"{result.args[1:]} exited {result.returncode}:\n"
        f"{(result.stdout or '')[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def without_permission_override() -> None:
    """For ``preexec_fn``: the child, even run by root, obeys file permissions as their
    owner does. Root's ``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH`` and ``CAP_FOWNER`` leave
    the capability bounding set, so the program ``exec`` starts never has them; for any other
    user there is nothing to drop."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"prctl(PR_CAPBSET_DROP, {cap}): {os.strerror(errno)}")


BLOCK_MATPLOTLIB = textwrap.dedent(
    """\
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ImportError("No module named 'matplotlib' (blocked)")
    sys.meta_path.insert(0, Block())
    from nshsched.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)
"""Runs the ``nshsched`` command (``python -c``) as if matplotlib were not installed."""


def assert_clean_error(result: Any, code: int, *fragments: str) -> None:
    """Exit code ``code``, no traceback on stderr, every fragment on stderr."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


_FRESH = "NSHSCHED_TEST_FRESH_PROCESS"


def in_fresh_process(test: Any) -> Any:
    """Run the decorated test in a fresh interpreter (``python -m pytest <its node id>``).

    For tests that fork (Lightning's ``ddp_fork``): a fork copies the parent's threads'
    locks but not the threads, so a process that earlier tests filled with worker threads
    (torch.compile, thread pools) can deadlock in the child. The fresh run imports only the
    test's module; its failure fails this test with its output.
    """
    import functools

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if os.environ.get(_FRESH) == "1":
            return test(*args, **kwargs)
        nodeid = os.environ["PYTEST_CURRENT_TEST"].rsplit(" (", 1)[0]
        env = {**os.environ, _FRESH: "1", "PYTEST_ADDOPTS": ""}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid],
            cwd=TESTS.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-2000:])
        assert " passed" in result.stdout and "deselected" not in result.stdout, result.stdout
        return None

    return wrapper
