"""A dry run of the parameter groups: which parameters land where, before any training.

``OptimizationConfig.describe(model)`` (and ``nshsched groups``) builds the torch param
groups exactly as ``build`` does; :func:`describe` prints one row per group: its name, how
many tensors and elements it holds, its base learning rate and weight decay (as the
optimizer will hold them, defaults filled in), and the schedule that drives it. The most
common param-group mistake, a glob that catches everything (or a group that stays tiny),
shows at a glance; a glob that catches nothing is an error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["describe", "group_rows"]

_HEADER = ("group", "tensors", "elements", "base lr", "weight decay", "schedule")


def group_rows(
    param_groups: Sequence[Mapping[str, Any]], schedule: LRSchedulerConfigBase | None
) -> list[dict[str, Any]]:
    """One dict per torch param group, in the optimizer's order: ``name``, ``tensors``,
    ``elements``, ``lr``, ``weight_decay`` (``None`` when the optimizer has none) and
    ``schedule`` (the tag driving the group, ``"constant"``).

    Args:
        param_groups: The optimizer's param groups (defaults filled in).
        schedule: The schedule driving them (``OptimizationConfig.group_scheduler``).
    """
    rows = []
    for group in param_groups:
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


def describe(rows: Sequence[Mapping[str, Any]], frozen: Sequence[torch.nn.Parameter] = ()) -> str:
    """The rows of :func:`group_rows` as a text table, with a total and the count of the
    ``frozen`` parameters, which no group holds. What
    :meth:`OptimizationConfig.describe(model) <nshsched.OptimizationConfig.describe>` prints.

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
    if frozen:
        elements = sum(p.numel() for p in frozen)
        lines.append(
            f"frozen (requires_grad=False, in no group): {len(frozen)} tensors, {elements} elements"
        )
    return "\n".join(lines)
