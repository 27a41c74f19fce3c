"""Which CI lane the suite runs in, and the optional peers that exist in one lane only."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

FLOOR_LANE = os.environ.get("NSHSCHED_TEST_LANE") == "floor"
"""The floor lane of CI (``.ci/run``): the oldest releases ``pyproject.toml`` allows, torch
2.13.0 among them, beside which no torchvision loads (so CI uninstalls timm there)."""


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
