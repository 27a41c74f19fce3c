"""Helpers shared by the scheduler tests."""

from __future__ import annotations

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
