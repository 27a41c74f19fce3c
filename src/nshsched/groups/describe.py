"""A dry run of the parameter groups: which parameters land where, before any training.

:func:`describe` (``OptimizationConfig.describe(model)``, ``nshsched groups``) builds the
torch param groups exactly as ``build`` does and prints one row per group: its name, how
many tensors and elements it holds, its base learning rate and weight decay (as the
optimizer will hold them, defaults filled in), and the schedule that drives it. The most
common param-group mistake, a glob that catches everything (or a group that stays tiny),
shows at a glance; a glob that catches nothing is an error naming it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from ..lr_scheduler.base import LRSchedulerConfigBase
    from .optimization import OptimizationConfig

__all__ = ["describe", "group_rows"]

_HEADER = ("group", "tensors", "elements", "base lr", "weight decay", "schedule")


def group_rows(config: OptimizationConfig, model: torch.nn.Module) -> list[dict[str, Any]]:
    """One dict per torch param group ``build`` would make, in the optimizer's order:
    ``name``, ``tensors``, ``elements``, ``lr``, ``weight_decay`` (``None`` when the
    optimizer has none) and ``schedule`` (the tag driving the group, ``"constant"``).

    Raises:
        ValueError: what ``build`` raises for these groups (a glob matching nothing, a
            parameter in two groups, no trainable parameter).
    """
    optimizer = config.optimizer.create_optimizer(config.torch_param_groups(model))
    names = [g["name"] for g in optimizer.param_groups]
    # A copy: the warn-once state of the real config is left for the real build.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schedule = config.model_copy().group_scheduler(names)
    rows = []
    for group in optimizer.param_groups:
        params = group["params"]
        own = _schedule_of(schedule, group["name"])
        rows.append(
            {
                "name": group["name"],
                "tensors": len(params),
                "elements": sum(p.numel() for p in params),
                "lr": float(group["lr"]),
                "weight_decay": group.get("weight_decay"),
                "schedule": getattr(own, "name", type(own).__name__) if own else "constant",
            }
        )
    return rows


def _schedule_of(schedule: LRSchedulerConfigBase | None, group: str) -> Any:
    """The schedule that drives torch group ``group`` (``per_group`` configs resolved)."""
    from ..lr_scheduler.composition import PerGroupSchedulerConfig

    while isinstance(schedule, PerGroupSchedulerConfig):
        schedule = schedule.groups.get(group, schedule.default)
    return schedule


def describe(config: OptimizationConfig, model: torch.nn.Module) -> str:
    """The param groups of ``config`` on ``model`` as a text table (see :func:`group_rows`),
    with a total and the count of frozen parameters, which no group holds.

    Example:
        >>> import torch, nshsched as S
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3),
        ...                             torch.nn.Linear(3, 1))
        >>> cfg = S.OptimizationConfig.model_validate({
        ...     "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
        ...     "scheduler": {"name": "cosine", "warmup": {"kind": "fraction", "value": 0.1}},
        ...     "param_groups": [{"name": "head", "params": ["2.*"], "lr_scale": 10,
        ...                       "scheduler": None}],
        ...     "no_weight_decay": True})
        >>> print(cfg.describe(model))
        group             tensors  elements  base lr  weight decay  schedule
        head                    1         3     0.01          0.05  constant
        head_no_decay           1         1     0.01             0  constant
        default                 1        12    0.001          0.05  cosine
        default_no_decay        3         9    0.001             0  cosine
        total                   6        25
    """
    rows = group_rows(config, model)
    table = [list(_HEADER)]
    for row in rows:
        wd = row["weight_decay"]
        table.append(
            [
                row["name"],
                str(row["tensors"]),
                str(row["elements"]),
                f"{row['lr']:g}",
                "-" if wd is None else f"{float(wd):g}",
                row["schedule"],
            ]
        )
    table.append(
        [
            "total",
            str(sum(r["tensors"] for r in rows)),
            str(sum(r["elements"] for r in rows)),
            "",
            "",
            "",
        ]
    )
    widths = [max(len(line[i]) for line in table) for i in range(len(_HEADER))]
    lines = [
        "  ".join(
            cell.ljust(width) if i in (0, 5) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths))
        ).rstrip()
        for line in table
    ]
    frozen = [p for p in model.parameters() if not p.requires_grad]
    if frozen:
        elements = sum(p.numel() for p in frozen)
        lines.append(
            f"frozen (requires_grad=False, in no group): {len(frozen)} tensors, {elements} elements"
        )
    return "\n".join(lines)
