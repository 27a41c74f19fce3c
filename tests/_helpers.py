"""Helpers shared by the scheduler tests."""

from __future__ import annotations

import importlib
import os
import textwrap
from types import ModuleType
from typing import Any

import pytest
import torch

FLOOR_LANE = os.environ.get("NSHSCHED_TEST_LANE") == "floor"
"""The floor lane of CI (``.ci/run``): the oldest releases ``pyproject.toml`` allows, torch
2.13.0 among them, beside which no torchvision loads (so timm is not installed there)."""


def require_timm(module: str = "timm") -> ModuleType:
    """The real timm (or one of its modules), imported normally.

    Only in CI's floor lane is a missing timm a skip (its reason names the lane; the same tests
    run in the newest lane). Anywhere else — the README's test command, CI's newest lane — an
    import error fails the test: timm's tests never skip silently.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if FLOOR_LANE:
            pytest.skip(
                "floor lane: timm needs torchvision, which does not load beside torch 2.13.0; "
                f"this test runs in the newest lane ({e})",
                allow_module_level=True,
            )
        raise


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
