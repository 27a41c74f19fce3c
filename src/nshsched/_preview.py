"""``preview``: every group's learning rate at every optimizer step, without training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .duration import TrainingLength

if TYPE_CHECKING:
    import numpy as np

    from .lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["preview"]


def preview(
    config: LRSchedulerConfigBase | Mapping[str, Any],
    length: TrainingLength,
    base_lrs: Sequence[float] | Mapping[str, float] = (1.0,),
    *,
    steps: Any = None,
) -> np.ndarray:
    """The learning rate of each param group at each optimizer step ``0..total_steps``.

    Closed-form schedules are evaluated vectorised, without stepping anything (a million
    steps take milliseconds). The result equals what the real scheduler produces when stepped
    as Lightning steps it: an ``interval: epoch`` schedule changes at epoch boundaries, and
    ``frequency`` counts. A plateau schedule shows the LR before any reduction (the
    reductions depend on metrics not known in advance). Any other scheduler (a user's
    ``create_scheduler_impl``) is stepped on a throw-away optimizer, as Lightning would.

    Args:
        config: A scheduler config (or a mapping validated into one).
        length: The training length in optimizer steps.
        base_lrs: Each group's base LR: a list, or a mapping of group name to LR (needed for
            ``per_group`` configs; the columns follow its order).
        steps: The optimizer steps to evaluate (an integer array-like, each in
            ``0..total_steps``); default all of them. Lets a caller evaluate a long schedule
            in chunks, or only at the points it plots.

    Returns:
        A float64 array of shape ``[total_steps + 1, groups]`` (``[len(steps), groups]``).

    Example:
        >>> import nshsched as S
        >>> cfg = S.lr_scheduler_registry.construct({"name": "cosine_annealing_lr", "T_max": 4,
        ...                                           "interval": "step"})
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=4, total_steps=4), [1.0])[:, 0].round(3).tolist()
        [1.0, 0.854, 0.5, 0.146, 0.0]
    """
    import numpy as np

    from .lr_scheduler.base import lr_scheduler_registry

    if isinstance(config, Mapping):
        config = lr_scheduler_registry.construct(config)
    if isinstance(base_lrs, Mapping):
        names: list[str | None] = list(base_lrs)
        bases = [float(v) for v in base_lrs.values()]
    else:
        bases = [float(v) for v in base_lrs]
        names = [None] * len(bases)
    if not bases:
        raise ValueError("preview needs at least one base LR")
    if steps is None:
        steps = np.arange(length.total_steps + 1, dtype=np.int64)
    else:
        steps = np.asarray(steps, dtype=np.int64).reshape(-1)
        if steps.size and (steps.min() < 0 or steps.max() > length.total_steps):
            raise ValueError(
                f"preview: steps must be in 0..{length.total_steps}, got "
                f"{int(steps.min())}..{int(steps.max())}"
            )
    curves = config.preview_curves(length, names)
    if curves is None:
        return _stepped(config, length, names, bases)[steps]
    out = np.empty((steps.size, len(bases)), dtype=np.float64)
    for i, (curve, base) in enumerate(zip(curves, bases)):
        if curve is None:
            out[:, i] = base
        elif curve.offset is None:  # base * scale, written straight into the column
            np.multiply(curve.scale(steps), base, out=out[:, i])
        else:
            out[:, i] = np.broadcast_to(curve.lr(steps, base), steps.shape)
    return out


def _stepped(
    config: LRSchedulerConfigBase,
    length: TrainingLength,
    names: list[str | None],
    bases: list[float],
) -> np.ndarray:
    """Step the real scheduler on a throw-away optimizer, the way Lightning steps it."""
    import numpy as np
    import torch

    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": base}
        | ({"name": name} if name is not None else {})
        for name, base in zip(names, bases)
    ]
    optimizer = torch.optim.SGD(groups, lr=bases[0])
    spec = config.create_scheduler(optimizer, length)
    scheduler, interval, frequency = spec["scheduler"], spec["interval"], spec["frequency"]
    plateau = spec.get("reduce_on_plateau", False)
    out = np.empty((length.total_steps + 1, len(bases)), dtype=np.float64)
    for t in range(length.total_steps + 1):
        out[t] = [g["lr"] for g in optimizer.param_groups]
        if plateau:
            continue
        optimizer.step()  # no gradients: changes nothing, keeps torch's call-order check quiet
        if interval == "step" or (
            (t + 1) % length.steps_per_epoch == 0
            and ((t + 1) // length.steps_per_epoch) % frequency == 0
        ):
            scheduler.step()
    return out
