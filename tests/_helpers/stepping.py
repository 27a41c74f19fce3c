"""Tiny models, optimizers with one param group per LR, and the values a scheduler writes as
it is stepped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

Record = Callable[[torch.optim.Optimizer], Any]


class BodyHead(torch.nn.Module):
    """Two linear layers named ``body`` and ``head`` (what the configs' globs name), a ReLU
    between them."""

    def __init__(self, inputs: int = 3, hidden: int = 4, outputs: int = 1) -> None:
        super().__init__()
        self.body = torch.nn.Linear(inputs, hidden)
        self.head = torch.nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x)))


def group_optimizer(
    lrs: Sequence[float] | Mapping[str | None, float],
    *,
    cls: type[torch.optim.Optimizer] = torch.optim.SGD,
    names: bool = False,
    lr: float | None = None,
    **kwargs: Any,
) -> torch.optim.Optimizer:
    """``cls`` over one param group per LR, each holding one zero scalar parameter.

    A mapping names each group by its key (``None``: no name); ``names=True`` names the
    groups of a sequence ``g0, g1, ...``. The optimizer's default ``lr`` is ``lr``, else the
    first group's; ``kwargs`` go to ``cls``.
    """
    if isinstance(lrs, Mapping):
        named = list(lrs.items())
    else:
        named = [(f"g{i}" if names else None, v) for i, v in enumerate(lrs)]
    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": v}
        | ({"name": name} if name is not None else {})
        for name, v in named
    ]
    return cls(groups, lr=named[0][1] if lr is None else lr, **kwargs)


def lrs_of(optimizer: torch.optim.Optimizer) -> list[float]:
    """Every param group's current LR."""
    return [float(g["lr"]) for g in optimizer.param_groups]


def stepped_rows(
    optimizer: torch.optim.Optimizer, scheduler: Any, n: int, record: Record = lrs_of
) -> list[Any]:
    """``record(optimizer)`` now and after each of ``n`` optimizer steps, the scheduler
    stepped after every optimizer step (a plain PyTorch loop): ``n + 1`` rows."""
    out = [record(optimizer)]
    for _ in range(n):
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        out.append(record(optimizer))
    return out


def step_lrs(scheduler: Any, optimizer: torch.optim.Optimizer, n: int) -> list[list[float]]:
    """Step optimizer then scheduler ``n`` times (as Lightning does); the LRs after each step."""
    return stepped_rows(optimizer, scheduler, n)[1:]


def config_stepped(config: Any, optimizer: torch.optim.Optimizer, length: Any) -> np.ndarray:
    """Every group's LR at optimizer steps 0..total: ``config.create_scheduler``'s scheduler
    stepped after every optimizer step, whatever its interval."""
    scheduler = config.create_scheduler(optimizer, length)["scheduler"]
    return np.array(stepped_rows(optimizer, scheduler, length.total_steps))


def build_stepped(config: Any, model: torch.nn.Module, length: Any) -> np.ndarray:
    """Every group's LR at optimizer steps 0..total: ``config.build(model, length)``'s
    scheduler stepped by hand after every optimizer step (a float64 array)."""
    optimizer, scheduler = config.build(model, length)
    return np.array(stepped_rows(optimizer, scheduler, length.total_steps))


def stepped_as_lightning(
    optimizer: torch.optim.Optimizer, specs: Any, length: Any, record: Record = lrs_of
) -> np.ndarray:
    """``record(optimizer)`` at optimizer steps 0..total, stepping each scheduler dict
    (``specs``: one dict or a list) as Lightning does: ``interval: step`` after every
    optimizer step, ``interval: epoch`` at the end of every ``frequency``-th epoch, a
    plateau scheduler with a steadily improving metric."""
    specs = [specs] if isinstance(specs, Mapping) else list(specs)
    out = [record(optimizer)]
    metric = 100.0
    for t in range(length.total_steps):
        optimizer.step()
        for spec in specs:
            if spec["interval"] == "step":
                spec["scheduler"].step()
        if (t + 1) % length.steps_per_epoch == 0:
            epoch = (t + 1) // length.steps_per_epoch
            for spec in specs:
                if spec["interval"] == "epoch" and epoch % spec["frequency"] == 0:
                    if spec.get("reduce_on_plateau"):
                        metric -= 1.0
                        spec["scheduler"].step(metric)
                    else:
                        spec["scheduler"].step()
        out.append(record(optimizer))
    return np.array(out)
