"""``preview``: every group's value at every optimizer step, without training.

An adapter of the runtime: it compiles the same :class:`~nshsched.runtime.plan.Plan` the
torch scheduler writes, and evaluates it on an array of steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength

if TYPE_CHECKING:
    import numpy as np
    import torch

    from ..lr_scheduler.base import LRSchedulerConfigBase
    from .optimization import OptimizationConfig

__all__ = ["preview", "preview_groups"]


def preview(
    config: LRSchedulerConfigBase | OptimizationConfig | Mapping[str, Any],
    length: TrainingLength,
    base_lrs: Sequence[float] | Mapping[str, float] = (1.0,),
    *,
    model: torch.nn.Module | None = None,
    key: str = "lr",
    steps: Any = None,
) -> np.ndarray:
    """The value of each param group at each optimizer step ``0..total_steps``.

    Closed-form schedules are evaluated vectorised, without stepping anything (a million
    steps take milliseconds), through the same plan the real scheduler writes: the result
    equals what it produces when stepped as Lightning steps it (an ``interval: epoch``
    schedule changes at epoch boundaries, ``frequency`` and ``warmup`` count). A plateau
    schedule shows the LR before any reduction (the reductions depend on metrics not known
    in advance). Any other scheduler (a user's ``create_scheduler_impl``) is stepped on a
    throw-away optimizer, as Lightning would.

    Args:
        config: A scheduler config, or an :class:`~nshsched.OptimizationConfig` (or a
            mapping validated into either: one with an ``optimizer`` key is an
            ``OptimizationConfig``).
        length: The training length in optimizer steps.
        base_lrs: For a scheduler config: each group's base LR, a list, or a mapping of group
            name to LR (needed for ``per_group`` configs; the columns follow its order). The
            first plays the optimizer's default ``lr`` (absolute schedules keep the ratios
            of the others to it). Not used with an ``OptimizationConfig``, whose optimizer
            and groups give the values.
        model: With an ``OptimizationConfig``: the columns are the param groups that
            ``build(model, length)`` creates, in that order; without, one column per
            configured group, then ``default``.
        key: With an ``OptimizationConfig``: the param-group key to show (``"lr"``, or e.g.
            ``"momentum"``, ``"betas.0"``, ``"weight_decay"``).
        steps: The optimizer steps to evaluate (an integer array-like, each in
            ``0..total_steps``); default all of them. Lets a caller evaluate a long schedule
            in chunks, or only at the points it plots.

    Returns:
        A float64 array of shape ``[total_steps + 1, groups]`` (``[len(steps), groups]``).

    Raises:
        ValueError: ``steps`` out of range, an unknown ``key`` (the message names the keys
            the groups have), no base LR, or any error building the schedule would raise.

    Example:
        >>> import nshsched as S
        >>> cfg = S.lr_scheduler_registry.construct({"name": "cosine_annealing_lr", "T_max": 4,
        ...                                           "interval": "step"})
        >>> S.preview(cfg, S.TrainingLength(steps_per_epoch=4, total_steps=4), [1.0])[:, 0].round(3).tolist()
        [1.0, 0.854, 0.5, 0.146, 0.0]
    """
    import numpy as np

    from ..lr_scheduler.base import lr_scheduler_registry
    from ..runtime.plan import compile_plan, evaluate
    from .optimization import OptimizationConfig

    if isinstance(config, Mapping):
        if "optimizer" in config:
            config = OptimizationConfig.model_validate(config)
        else:
            config = lr_scheduler_registry.construct(config)
    steps = _steps(length, steps)
    if isinstance(config, OptimizationConfig):
        optimizer = _optimizer(config, model)
        groups: list[dict[str, Any]] = optimizer.param_groups
        _check_key(groups, key)
        names = [g["name"] for g in groups]
        schedule = config.lr_schedule(names)
        factors = config.layer_factors(names) if model is not None else None
        default_lr = float(optimizer.defaults.get("lr", float("nan")))
        hyperparameters = config.hyperparameters
        defaults = optimizer.defaults
    else:
        if key != "lr":
            raise ValueError(
                f"preview: key={key!r} needs an OptimizationConfig (a scheduler config alone "
                "has no optimizer whose other values could be shown)"
            )
        if isinstance(base_lrs, Mapping):
            groups = [{"name": str(n), "lr": float(v)} for n, v in base_lrs.items()]
        else:
            groups = [{"lr": float(v)} for v in base_lrs]
        if not groups:
            raise ValueError("preview needs at least one base LR")
        schedule = config
        default_lr = float(groups[0]["lr"])
        optimizer = None
        hyperparameters, defaults = {}, {}
        factors = None
    if schedule is None:
        return evaluate_constant(groups, steps, key)
    plan = compile_plan(
        schedule,
        groups,
        default_lr,
        length,
        momentum=key != "lr",
        checks=False,
        hyperparameters=hyperparameters if key != "lr" else None,
        defaults=defaults,
        factors=factors,
    )
    if plan is None:
        if key != "lr":
            raise ValueError(
                f"preview: key={key!r} cannot be shown for {type(schedule).__name__}, a custom "
                "scheduler (create_scheduler_impl) that nshsched only steps for its LRs"
            )
        return _stepped(schedule, length, groups, optimizer)[steps]
    return np.asarray(evaluate(plan, groups, steps, key))


def evaluate_constant(groups: Sequence[Mapping[str, Any]], steps: Any, key: str) -> Any:
    """Every group held at its configured value."""
    import numpy as np

    from ..runtime.hyper import base_value

    return np.tile(
        np.array([base_value(g, key) for g in groups], dtype=np.float64), (len(steps), 1)
    )


def preview_groups(config: OptimizationConfig, model: torch.nn.Module | None = None) -> list[str]:
    """The column names of :func:`preview` for an ``OptimizationConfig``: its param groups'
    names (those ``build(model, ...)`` creates with a model; else every configured group,
    then ``default``)."""
    return [str(g["name"]) for g in _optimizer(config, model).param_groups]


def _steps(length: TrainingLength, steps: Any) -> Any:
    import numpy as np

    if steps is None:
        return np.arange(length.total_steps + 1, dtype=np.int64)
    out = np.asarray(steps, dtype=np.int64).reshape(-1)
    if out.size and (out.min() < 0 or out.max() > length.total_steps):
        raise ValueError(
            f"preview: steps must be in 0..{length.total_steps}, got "
            f"{int(out.min())}..{int(out.max())}"
        )
    return out


def _optimizer(config: OptimizationConfig, model: torch.nn.Module | None) -> Any:
    """The optimizer ``build`` would create: on ``model``'s parameters, or with one stand-in
    parameter per configured group (and ``default``)."""
    import torch

    from .param_group import DEFAULT_GROUP

    if model is not None:
        return config.create_optimizer(model)
    names = [g.name for g in config.param_groups] + [DEFAULT_GROUP]
    groups = [
        {"name": name, "params": [torch.nn.Parameter(torch.zeros(1))], **config.group_options(name)}
        for name in names
    ]
    return config.optimizer.create_optimizer(groups)


def _check_key(groups: Sequence[Mapping[str, Any]], key: str) -> None:
    from ..runtime.hyper import group_keys, has_key

    if not has_key(groups[0], key):
        keys = ["lr", *group_keys(groups[0])]
        raise ValueError(f"preview: unknown key {key[:200]!r}; the param groups have {keys}")


def _stepped(
    config: LRSchedulerConfigBase,
    length: TrainingLength,
    groups: Sequence[Mapping[str, Any]],
    optimizer: Any,
) -> np.ndarray:
    """Step the real scheduler on a throw-away optimizer, the way Lightning steps it."""
    import numpy as np
    import torch

    if optimizer is None:
        params = [{"params": [torch.nn.Parameter(torch.zeros(1))], **dict(g)} for g in groups]
        optimizer = torch.optim.SGD(params, lr=float(groups[0]["lr"]))
    spec = config.create_scheduler(optimizer, length)
    scheduler, interval, frequency = spec["scheduler"], spec["interval"], spec["frequency"]
    plateau = spec.get("reduce_on_plateau", False)
    out = np.empty((length.total_steps + 1, len(groups)), dtype=np.float64)
    for t in range(length.total_steps + 1):
        out[t] = [float(g["lr"]) for g in optimizer.param_groups]
        if plateau:
            continue
        optimizer.step()  # no gradients: changes nothing, keeps torch's call-order check quiet
        if interval == "step" or (
            (t + 1) % length.steps_per_epoch == 0
            and ((t + 1) // length.steps_per_epoch) % frequency == 0
        ):
            scheduler.step()
    return out
