"""Helpers shared by the scheduler tests."""

from __future__ import annotations

import textwrap
from typing import Any

import torch


def lrs_of(optimizer: torch.optim.Optimizer) -> list[float]:
    """Every param group's current LR."""
    return [g["lr"] for g in optimizer.param_groups]


def step_lrs(scheduler: Any, optimizer: torch.optim.Optimizer, n: int) -> list[list[float]]:
    """Step optimizer then scheduler ``n`` times (as Lightning does); the LRs after each step."""
    out = []
    for _ in range(n):
        optimizer.step()
        scheduler.step()
        out.append(lrs_of(optimizer))
    return out


def assert_plain(value: Any) -> None:
    """``value`` holds only plain Python values (what ``torch.load(weights_only=True)``
    reads back): None, bool, int, float, str, and lists / dicts of them."""
    if value is None or type(value) in (bool, int, float, str):
        return
    if type(value) in (list, tuple):
        for v in value:
            assert_plain(v)
        return
    if type(value) is dict:
        for k, v in value.items():
            assert type(k) is str, f"key {k!r} is not a str"
            assert_plain(v)
        return
    raise AssertionError(f"{type(value).__name__} is not a plain Python value: {value!r}")


def build_stepped(config: Any, model: torch.nn.Module, length: Any) -> Any:
    """Every group's LR at optimizer steps 0..total: ``config.build(model, length)``'s
    scheduler stepped by hand after every optimizer step (a float64 array)."""
    import numpy as np

    optimizer, scheduler = config.build(model, length)
    out = [[float(g["lr"]) for g in optimizer.param_groups]]
    for _ in range(length.total_steps):
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        out.append([float(g["lr"]) for g in optimizer.param_groups])
    return np.array(out)


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
