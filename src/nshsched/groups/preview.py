"""``preview``: every group's value at every optimizer step, without training.

An adapter of the runtime: it compiles the same :class:`~nshsched.runtime.plan.Plan` the
torch scheduler writes, and evaluates it on an array of steps.

The param groups of an :class:`~nshsched.OptimizationConfig` come from the config alone
(:meth:`~nshsched.OptimizationConfig.group_dicts`: no torch is imported, no optimizer is
built) unless a model is given; then they are those ``build(model, length)`` creates. Only
a scheduler without a closed form (a user's ``create_scheduler_impl``) is stepped, on a
throw-away torch optimizer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength

if TYPE_CHECKING:
    import numpy as np
    import torch

    from ..lr_scheduler.base import LRSchedulerConfigBase
    from .optimization import OptimizationConfig

__all__ = ["PreparedPreview", "prepare_preview", "preview", "preview_groups"]


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
    throw-away torch optimizer, as Lightning would.

    An ``OptimizationConfig`` without a model is previewed from the config alone: torch is
    not imported and no optimizer is built (its param groups hold the optimizer's fields,
    each group's ``lr``/``lr_scale`` and ``weight_decay``), so an optimizer that refuses
    stand-in parameters (``muon``) and thousands of groups preview alike.

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
            ``build(model, length)`` creates, in that order (layer-decay parts,
            ``_no_decay`` siblings; the optimizer is built, so torch is imported); without,
            one column per configured group, then ``default``.
        key: With an ``OptimizationConfig``: the param-group key to show (``"lr"``, or e.g.
            ``"momentum"``, ``"betas.0"``, ``"weight_decay"``). Without a model, the keys
            are the optimizer config's fields; values an optimizer class derives for itself
            (timm's ``max_lr_snapshot``, schedule-free's ``weight_sum``) need ``model``.
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
        >>> opt = S.OptimizationConfig.model_validate({
        ...     "optimizer": {"name": "sgd", "lr": 0.1},
        ...     "scheduler": {"name": "linear"},
        ...     "param_groups": [{"name": "head", "params": ["fc.*"], "lr_scale": 10}]})
        >>> S.preview(opt, S.TrainingLength(steps_per_epoch=2, total_steps=2)).round(3).tolist()
        [[1.0, 0.1], [0.5, 0.05], [0.0, 0.0]]
    """
    prepared = prepare_preview(config, length, base_lrs, model=model, key=key)
    return prepared.evaluate(_steps(length, steps))


def preview_groups(config: OptimizationConfig, model: torch.nn.Module | None = None) -> list[str]:
    """The column names of :func:`preview` for an ``OptimizationConfig``: its param groups'
    names (those ``build(model, ...)`` creates with a model; else every configured group,
    then ``default``, read from the config without torch).

    Example:
        >>> import nshsched as S
        >>> S.preview_groups(S.OptimizationConfig.model_validate({
        ...     "optimizer": {"name": "muon", "lr": 0.02},
        ...     "param_groups": [{"name": "hidden", "params": ["blocks.*"]}]}))
        ['hidden', 'default']
    """
    if model is not None:
        return [str(g["name"]) for g in config.create_optimizer(model).param_groups]
    from .param_group import DEFAULT_GROUP

    return [g.name for g in config.param_groups] + [DEFAULT_GROUP]


@dataclass
class PreparedPreview:
    """A preview compiled once, evaluated at any steps (what the ``nshsched preview``
    command evaluates chunk by chunk).

    Attributes:
        columns: One name per param group (``None`` for an unnamed group).
        schedule: The schedule driving the groups (``None``: every group constant).
        length: The training length.
        key: The param-group key shown.
        stepped: The schedule has no closed form: the first evaluation steps a real
            scheduler through the whole run on a throw-away torch optimizer (then slices it).
    """

    columns: list[str | None]
    schedule: Any
    length: TrainingLength
    key: str
    stepped: bool
    _evaluate: Callable[[Any], Any] = field(repr=False)
    _whole: Any = field(default=None, repr=False)

    def evaluate(self, steps: Any) -> np.ndarray:
        """The values at ``steps`` (a sorted or unsorted int64 array within
        ``0..total_steps``): a float64 array ``[len(steps), len(columns)]``."""
        import numpy as np

        steps = np.asarray(steps, dtype=np.int64)
        if not self.stepped:
            return np.asarray(self._evaluate(steps))
        if self._whole is None:
            self._whole = self._evaluate(None)
        return np.asarray(self._whole[steps])


def prepare_preview(
    config: LRSchedulerConfigBase | OptimizationConfig | Mapping[str, Any],
    length: TrainingLength,
    base_lrs: Sequence[float] | Mapping[str, float] = (1.0,),
    *,
    model: torch.nn.Module | None = None,
    key: str = "lr",
) -> PreparedPreview:
    """Compile what :func:`preview` evaluates (same arguments but ``steps``), once.

    Raises:
        ValueError: as :func:`preview`.
    """
    from ..lr_scheduler.base import lr_scheduler_registry
    from ..runtime.plan import compile_plan, evaluate
    from .optimization import OptimizationConfig

    if isinstance(config, Mapping):
        if "optimizer" in config:
            config = OptimizationConfig.model_validate(config)
        else:
            config = lr_scheduler_registry.construct(config)
    optimizer: Any = None
    if isinstance(config, OptimizationConfig):
        hyperparameters = config.hyperparameters
        if model is not None:
            optimizer = config.create_optimizer(model)
            groups: list[dict[str, Any]] = optimizer.param_groups
            defaults: Mapping[str, Any] = optimizer.defaults
        else:
            groups = config.group_dicts()
            defaults = config.optimizer_defaults()
        _check_key(groups, key)
        names = [g["name"] for g in groups]
        schedule = config.lr_schedule(names)
        factors = config.layer_factors(names) if model is not None else None
        default_lr = _as_float(defaults.get("lr"))
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
        hyperparameters, defaults = {}, {}
        factors = None
    columns = [g.get("name") for g in groups]

    def prepared(run: Callable[[Any], Any], stepped: bool = False) -> PreparedPreview:
        return PreparedPreview(columns, schedule, length, key, stepped, run)

    if schedule is None:
        return prepared(lambda steps: evaluate_constant(groups, steps, key))
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
        return prepared(lambda _: _stepped(schedule, length, groups, optimizer), stepped=True)
    return prepared(lambda steps: evaluate(plan, groups, steps, key))


def evaluate_constant(groups: Sequence[Mapping[str, Any]], steps: Any, key: str) -> Any:
    """Every group held at its configured value."""
    import numpy as np

    from ..runtime.hyper import base_value

    return np.tile(
        np.array([base_value(g, key) for g in groups], dtype=np.float64), (len(steps), 1)
    )


def _as_float(value: Any) -> float:
    """A number (or a scalar tensor) as a float; ``nan`` for anything else (no ``lr``)."""
    if value is None or isinstance(value, bool):
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


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
    """Step the real scheduler on a throw-away optimizer, the way Lightning steps it: the
    optimizer built on the model when there is one, else an SGD on one stand-in parameter
    per group whose param groups hold the groups' values."""
    import numpy as np
    import torch

    if optimizer is None:
        params = [{**dict(g), "params": [torch.nn.Parameter(torch.zeros(1))]} for g in groups]
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
