"""The budgets of ``nshsched preview`` of an ``OptimizationConfig`` file, whole processes.

Run ``python benchmarks/preview.py`` (``--quick``: fewer runs, and no torch yardstick at
10**4 groups, which alone takes about half a minute). It writes three config files in a
temporary directory and times ``python -m nshsched preview FILE`` in fresh processes, each
run's wall time, CPU time (user + system) and peak memory (the kernel's accounting of the
finished child, ``os.wait4``), and prints the median of each:

1. one param group (``adamw`` + ``cosine``): target under 1 s and 100 MiB;
2. 10**4 param groups (a name, a pattern and an ``lr_scale`` each): target under 10 s;
3. for information, 10**4 groups each with an ``lr``, a ``weight_decay`` and a schedule of
   its own (about 200,000 YAML values, the most a file holds is 250,000).

Next to each, the yardstick: the same groups through a torch optimizer, as the preview was
computed before (``import torch``, the optimizer built on one-element stand-in parameters,
then the plan compiled and evaluated, nothing drawn). Torch's ``add_param_group`` checks
each new group against every earlier one, so that cost grows with the square of the number
of groups. Then, in this process, where the time of case 2 goes (reading, validating,
compiling, evaluating).

This is a script, not a test: timings on shared machines are noisy, so nothing here fails a
build.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

TOTAL_STEPS = 1000  # the command's default --total-steps

YARDSTICK = textwrap.dedent(
    """\
    import sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import torch
    import nshsched as S
    from nshsched.runtime.plan import compile_plan, evaluate

    config = S.OptimizationConfig.from_file(sys.argv[1])
    length = S.TrainingLength(steps_per_epoch=1000, total_steps=1000)
    groups = [
        {**g, "params": [torch.nn.Parameter(torch.zeros(1))]} for g in config.group_dicts()
    ]
    optimizer = config.optimizer.create_optimizer(groups)
    schedule = config.lr_schedule([g["name"] for g in optimizer.param_groups])
    plan = compile_plan(
        schedule, optimizer.param_groups, config.optimizer.lr, length, momentum=False,
        checks=False,
    )
    values = evaluate(plan, optimizer.param_groups, np.arange(1001))
    assert values.shape == (1001, len(optimizer.param_groups))
    """
)


def write_configs(directory: Path) -> dict[str, Path]:
    """The three files previewed."""
    head = (
        "optimizer: {name: adamw, lr: 1.0e-3, weight_decay: 0.01}\n"
        "scheduler: {name: cosine, warmup: {kind: fraction, value: 0.05}}\n"
    )
    files = {
        "1 group": head,
        "10^4 groups": head
        + "param_groups:\n"
        + "".join(
            f"  - {{name: g{i}, params: ['layers.{i}.*'], lr_scale: {1 + i % 7}}}\n"
            for i in range(10_000)
        ),
        "10^4 groups, own schedules": head
        + "param_groups:\n"
        + "".join(
            f"  - {{name: g{i}, params: ['layers.{i}.*'], lr: {1e-4 * (1 + i % 7):.6g}, "
            f"weight_decay: 0.05, scheduler: {{name: linear, warmup: {{kind: steps, "
            f"value: {i % 50}}}}}}}\n"
            for i in range(10_000)
        ),
    }
    paths = {}
    for i, (name, text) in enumerate(files.items()):
        paths[name] = directory / f"optimization{i}.yaml"
        paths[name].write_text(text)
    return paths


def run_once(argv: list[str]) -> tuple[float, float, float]:
    """One fresh process: (wall s, cpu s, peak MiB)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{argv} failed:\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # KiB on Linux


def measure(argv: list[str], runs: int) -> tuple[float, float, float]:
    """Medians over ``runs`` fresh processes, after one that is not counted."""
    if runs > 1:
        run_once(argv)
    results = [run_once(argv) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        statistics.median(r[2] for r in results),
    )


def breakdown(path: Path) -> str:
    """Where the time of one in-process preview of ``path`` goes."""
    import numpy as np

    import nshsched as S
    from nshsched.groups.preview import prepare_preview
    from nshsched.loading.yaml_files import load_file

    S.OptimizationConfig.model_validate({"optimizer": {"name": "adamw", "lr": 1.0}})  # warm
    times = [time.perf_counter()]
    data = load_file(path)
    times.append(time.perf_counter())
    config = S.OptimizationConfig.model_validate(data)
    times.append(time.perf_counter())
    length = S.TrainingLength(steps_per_epoch=TOTAL_STEPS, total_steps=TOTAL_STEPS)
    prepared = prepare_preview(config, length)
    times.append(time.perf_counter())
    prepared.evaluate(np.arange(TOTAL_STEPS + 1))
    times.append(time.perf_counter())
    parts = ["read YAML", "validate", "compile", "evaluate every step"]
    return ", ".join(f"{p} {b - a:.2f} s" for p, a, b in zip(parts, times, times[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no slow yardstick")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    import nshsched

    print(
        f"nshsched {nshsched.__version__} | Python {sys.version.split()[0]} | "
        f"{os.cpu_count()} CPUs | load average {os.getloadavg()[0]:.1f} | medians of "
        f"{runs} fresh processes (1 for a yardstick over 10 s)"
    )
    targets = {"1 group": (1.0, 100.0), "10^4 groups": (10.0, None)}
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_configs(Path(tmp))
        header = f"{'file':<28}|{'wall':>8} |{'cpu':>8} |{'peak':>9} | target"
        print(header + "\n" + "-" * len(header))
        for name, path in paths.items():
            wall, cpu, peak = measure(
                [sys.executable, "-m", "nshsched", "preview", str(path)], runs
            )
            target = targets.get(name)
            verdict = "(not a target)"
            if target is not None:
                seconds, mib = target
                ok = wall < seconds and (mib is None or peak < mib)
                limit = f"< {seconds:g} s" + (f", < {mib:g} MiB" if mib else "")
                verdict = f"{limit}: {'ok' if ok else 'MISSED'}"
            print(f"{name:<28}|{wall:>7.2f}s |{cpu:>7.2f}s |{peak:>6.0f}MiB | {verdict}")
            if args.quick and name != "1 group":
                continue
            yard_runs = 1 if name != "1 group" else runs
            y_wall, y_cpu, y_peak = measure([sys.executable, "-c", YARDSTICK, str(path)], yard_runs)
            print(
                f"{'  yardstick: torch optimizer':<28}|{y_wall:>7.2f}s |{y_cpu:>7.2f}s |"
                f"{y_peak:>6.0f}MiB | preview / yardstick: wall {wall / y_wall:.2f}x, "
                f"peak {peak / y_peak:.2f}x"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            print(f"\nin one process, 10^4 groups: {breakdown(paths['10^4 groups'])}")


if __name__ == "__main__":
    main()
