"""Every check of a scheduler's creation, for a training length, from the config alone.

:func:`check_length` compiles the schedule a config would build — against the param groups
the config describes (:meth:`~nshsched.OptimizationConfig.group_dicts`), not a model's — and
so runs the checks creation runs (durations within 2**53 steps, a joined warmup within the
training, the horizon, finite and non-negative values at every step, ``per_group`` names)
without building an optimizer, a scheduler, or importing torch. ``nshsched validate FILE
--total-steps N`` is this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase
    from .optimization import OptimizationConfig

__all__ = ["check_length"]


def check_length(
    config: LRSchedulerConfigBase | OptimizationConfig, length: TrainingLength
) -> bool:
    """Run the checks building ``config``'s schedule for ``length`` would run.

    A scheduler config alone is checked for one group (one per group a ``per_group``
    config names, and ``default``) of base LR 1; an ``OptimizationConfig`` for its
    configured groups and ``default``, with their LRs and the optimizer's values (a cycled
    momentum, scheduled hyperparameters).

    Returns:
        ``True`` when checked; ``False`` for a schedule nshsched does not compute itself (a
        user's ``create_scheduler_impl``: only building it tells).

    Raises:
        ValueError: what creating the scheduler would raise (the message names the config
            and the field); ``horizon_check: warn`` warns (:class:`~nshsched.HorizonWarning`).

    Example:
        >>> import nshsched as S
        >>> from nshsched.groups.check import check_length
        >>> cfg = S.CosineSchedulerConfig(warmup=2000)
        >>> check_length(cfg, S.TrainingLength(steps_per_epoch=100, total_steps=5000))
        True
        >>> check_length(cfg, S.TrainingLength(steps_per_epoch=100, total_steps=1000))
        Traceback (most recent call last):
        ...
        ValueError: CosineSchedulerConfig: warmup (2000 scheduler steps) must be <= total (the whole training: 1000 scheduler steps)
    """
    from ..runtime.plan import compile_plan
    from .optimization import OptimizationConfig

    if isinstance(config, OptimizationConfig):
        groups = config.group_dicts()
        schedule = config.lr_schedule([g["name"] for g in groups])
        if schedule is None:
            return True
        lr = getattr(config.optimizer, "lr", None)
        plan = compile_plan(
            schedule,
            groups,
            float(lr) if isinstance(lr, int | float) else float("nan"),
            length,
            hyperparameters=config.hyperparameters or None,
            defaults=config.optimizer_defaults(),
            optimizer=str(getattr(config.optimizer, "name", type(config.optimizer).__name__)),
        )
        return plan is not None
    listed = getattr(config, "groups", None)
    scheduler_groups: list[dict[str, Any]] = [{"lr": 1.0}]  # one unnamed group, as torch's
    if isinstance(listed, Mapping):
        names = [*listed, "default"] if "default" not in listed else list(listed)
        scheduler_groups = [{"name": name, "lr": 1.0} for name in names]
    plan = compile_plan(config, scheduler_groups, 1.0, length, momentum=False)
    return plan is not None
