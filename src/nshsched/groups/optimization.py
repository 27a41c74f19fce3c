"""An optimizer, a schedule and parameter groups, and the one-line ``configure_optimizers``.

:class:`OptimizationConfig` turns an optimizer config, an optional global scheduler and a
list of :class:`~nshsched.ParamGroupConfig` into torch param groups
(:mod:`~nshsched.groups.partition`), an optimizer and a scheduler (:mod:`nshsched.runtime`):
``build`` for plain PyTorch loops, ``configure_optimizers`` for Lightning.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from pydantic import Field, PrivateAttr, model_validator
from typing_extensions import Self

from ..config.base import Config
from ..config.errors import field_error
from ..duration import TrainingLength
from ..loading.warn import warn
from ..lr_scheduler.base import (
    LRSchedulerConfig,
    LRSchedulerConfigBase,
)
from ..optimizer.base import OptimizerConfig
from .describe import describe, group_rows
from .hyperparameters import HyperparameterScheduleConfig, check_key
from .layer_decay import LayerDecayConfig
from .param_group import (
    DEFAULT_GROUP,
    NO_DECAY_SUFFIX,
    ParamGroupConfig,
    check_groups,
    group_options,
    unused_lr_message,
)
from .partition import torch_param_groups
from .schedules import group_schedule

if TYPE_CHECKING:
    import torch
    from torch.optim import Optimizer

__all__ = ["OptimizationConfig"]


class OptimizationConfig(Config):
    """An optimizer, a schedule and parameter groups: everything ``configure_optimizers`` needs.

    Parameters are assigned to groups by glob patterns over ``named_parameters()`` names
    (only those with ``requires_grad``); the ones no group matches form the group
    ``default``. With ``no_weight_decay``, the 1-D parameters (biases, normalisation weights)
    of each group go to a sibling group ``<group>_no_decay`` with ``weight_decay=0`` (as
    timm and Hugging Face do). Empty groups are not created. Every torch param group carries
    its ``name``.

    When a group sets its own ``scheduler``, the schedule compiles to one ``per_group``
    scheduler (``default`` = the global scheduler, ``groups`` = the overrides; a
    ``_no_decay`` sibling follows its parent group).

    Example:
        >>> import torch, nshsched as S
        >>> cfg = S.OptimizationConfig.model_validate({
        ...     "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.01},
        ...     "param_groups": [{"name": "head", "params": ["1.*"], "lr_scale": 10}],
        ...     "no_weight_decay": True})
        >>> opt, sched = cfg.build(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)),
        ...                        S.TrainingLength(steps_per_epoch=1, total_steps=1))
        >>> [(g["name"], g["lr"], g["weight_decay"]) for g in opt.param_groups]
        [('head', 0.01, 0.01), ('head_no_decay', 0.01, 0.0), ('default', 0.001, 0.01), ('default_no_decay', 0.001, 0.0)]
    """

    optimizer: OptimizerConfig
    """The optimizer; its ``lr`` is the base of every group's LR."""

    scheduler: LRSchedulerConfig | None = None
    """The global schedule (``None``: constant LR, unless groups set their own)."""

    param_groups: list[ParamGroupConfig] = Field(default_factory=list)
    """Named parameter groups; unmatched parameters form the group ``default``."""

    no_weight_decay: bool | list[str] = False
    """``True``: put 1-D parameters (biases, norm weights) of each group, and every name a
    ``no_weight_decay()`` method of the model or a submodule returns (timm's convention),
    in ``<group>_no_decay`` with weight decay 0. A list: the same, plus the parameters
    these globs match (the whole name or a dotted suffix; each must match)."""

    hyperparameters: dict[str, HyperparameterScheduleConfig] = Field(default_factory=dict)
    """Schedules for other param-group values, by key: ``weight_decay``, ``momentum``,
    ``betas.1`` (a tuple's element), any key the optimizer's groups hold (not ``lr``)."""

    layer_decay: LayerDecayConfig | None = None
    """Layer-wise LR decay (see :class:`~nshsched.LayerDecayConfig`)."""

    module: str | None = None
    """In an :class:`~nshsched.OptimizersConfig`: the dotted path of the submodule whose
    parameters this entry owns (on the unwrapped model); its patterns are relative to it.
    ``None``: the whole model (in ``OptimizersConfig``, the parameters no other entry owns)."""

    _warned: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_groups(self.param_groups, self.no_weight_decay, self.optimizer)
        for key in self.hyperparameters:
            try:
                check_key(key)
            except ValueError as e:
                raise field_error(("hyperparameters", key), str(e), key) from None
        if self.module is not None and (
            not self.module or any(not part for part in self.module.split("."))
        ):
            raise ValueError(
                f"module: {self.module[:200]!r} is an empty submodule path; give a dotted "
                "path such as 'encoder' or 'model.actor', or leave module unset for the "
                "whole model"
            )
        self.optimizer.check_schedules(
            [("scheduler", self.scheduler)]
            + [
                (f"param group {g.name!r}'s scheduler", g.scheduler)
                for g in self.param_groups
                if not isinstance(g.scheduler, str)
            ]
        )
        self._warn_unused_lr()
        return self

    def _warn_unused_lr(self) -> None:
        message = unused_lr_message(
            getattr(self.optimizer, "lr", None), self.scheduler, self.param_groups
        )
        if message is not None:
            warn(message, UserWarning)

    # ------------------------------------------------------------------ param groups

    def group_options(self, name: str) -> dict[str, Any]:
        """The options of the group named ``name`` that differ from the optimizer's: ``lr``
        (its own, or the optimizer's ``lr × lr_scale``) and ``weight_decay``."""
        group = next((g for g in self.param_groups if g.name == name), None)
        return group_options(group, getattr(self.optimizer, "lr", None))

    def optimizer_defaults(self) -> dict[str, Any]:
        """The optimizer's options as torch keeps them in ``optimizer.defaults``: every field
        of :attr:`optimizer` but its tag, read from the config alone (no torch)."""
        fields = type(self.optimizer).model_fields
        return {key: getattr(self.optimizer, key) for key in fields if key != "name"}

    def group_dicts(self) -> list[dict[str, Any]]:
        """The param groups of this config without a model (and without torch): each
        configured group, then ``default``, as dicts holding what its torch param group
        would hold but the parameters (and keys torch adds of its own): the optimizer's
        options (:meth:`optimizer_defaults`), ``name``, and the group's own ``lr`` (or
        ``lr × lr_scale``) and ``weight_decay``.

        What a schedule is compiled against to be previewed or checked for a training
        length from the config alone (``nshsched validate --total-steps``); with a model,
        :meth:`torch_param_groups` gives the real ones (layer-decay parts, ``_no_decay``
        siblings).

        Example:
            >>> import nshsched as S
            >>> cfg = S.OptimizationConfig.model_validate({
            ...     "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            ...     "param_groups": [{"name": "head", "params": ["fc.*"], "lr_scale": 10}]})
            >>> [(g["name"], g["lr"], g["momentum"]) for g in cfg.group_dicts()]
            [('head', 1.0, 0.9), ('default', 0.1, 0.9)]
        """
        defaults = self.optimizer_defaults()
        lr = getattr(self.optimizer, "lr", None)
        groups: list[tuple[str, ParamGroupConfig | None]] = [(g.name, g) for g in self.param_groups]
        groups.append((DEFAULT_GROUP, None))
        return [{**defaults, "name": name, **group_options(g, lr)} for name, g in groups]

    def torch_param_groups(
        self, module: torch.nn.Module, *, named: list[tuple[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """The torch param-group dicts for ``module`` (``name``, ``params``, and ``lr`` /
        ``weight_decay`` where they differ from the optimizer's); names are those of the
        unwrapped model, relative to :attr:`module` (see :mod:`nshsched.groups.partition`).

        Args:
            module: The model.
            named: The ``(name, parameter)`` pairs this config owns (an
                :class:`~nshsched.OptimizersConfig` entry's); default: every parameter of
                :attr:`module`.

        Raises:
            ValueError: a group matches no parameter, or a parameter matches two groups.
        """
        return torch_param_groups(
            module,
            groups=self.param_groups,
            optimizer_lr=getattr(self.optimizer, "lr", None),
            no_weight_decay=self.no_weight_decay,
            layer_decay=self.layer_decay,
            module=self.module,
            named=named,
        )

    def create_optimizer(
        self, module: torch.nn.Module, *, named: list[tuple[str, Any]] | None = None
    ) -> Optimizer:
        """The optimizer :meth:`build` creates: :attr:`optimizer` over the param groups of
        :meth:`torch_param_groups`."""
        groups = self.torch_param_groups(module, named=named)
        return self.optimizer.create_optimizer(groups)

    # ------------------------------------------------------------------ schedules

    def group_scheduler(self, group_names: list[str]) -> LRSchedulerConfigBase | None:
        """The scheduler config driving param groups ``group_names`` (the torch groups' names).

        Without group overrides it is the global scheduler (a global ``per_group``'s
        entries extended to the ``_no_decay`` siblings and layer-decay parts of the groups
        they name). With overrides it is a ``per_group`` config: ``default`` = the global
        scheduler (or the global ``per_group``'s default, its entries kept), and each
        overriding group (and its ``_no_decay`` sibling, and its layer-decay parts) with its
        own schedule (``None``: constant). Setting both a global scheduler and overrides
        warns once; the overrides win. See :func:`nshsched.groups.schedules.group_schedule`.
        """
        config, overriding = group_schedule(
            self.scheduler, self.param_groups, group_names, layered=self.layer_decay is not None
        )
        if overriding and self.scheduler is not None and not self._warned:
            self._warned = True
            shown = str(overriding[:10])
            if len(overriding) > 10:
                shown = f"{shown[:-1]}, ... ({len(overriding)} groups)]"
            warn(
                f"param group(s) {shown} set their own scheduler and a global scheduler "
                f"({type(self.scheduler).__name__}) is set too: those groups use their own",
                UserWarning,
            )
        return config

    def lr_schedule(self, group_names: list[str]) -> LRSchedulerConfigBase | None:
        """:meth:`group_scheduler`, or a constant LR schedule when only
        :attr:`hyperparameters` are scheduled (so one scheduler writes them)."""
        config = self.group_scheduler(group_names)
        if config is None and self.hyperparameters:
            from ..lr_scheduler.hf import ConstantSchedulerConfig

            return ConstantSchedulerConfig()
        return config

    def layer_factors(self, group_names: list[str]) -> list[float] | None:
        """The layer-decay factor of each torch param group named in ``group_names`` (made by
        :meth:`torch_param_groups`), ``None`` without :attr:`layer_decay`: what the schedule
        multiplies every LR of the group by, absolute ones included (§9)."""
        if self.layer_decay is None:
            return None
        from .layer_decay import part_factors

        plain = {g.name for g in self.param_groups} | {DEFAULT_GROUP}
        plain |= {name + NO_DECAY_SUFFIX for name in plain}
        return part_factors(self.layer_decay, group_names, plain)

    def base_lrs(self, module: torch.nn.Module) -> dict[str, float]:
        """Each param group's base LR by name (as :func:`nshsched.preview` takes them)."""
        return {g["name"]: float(g["lr"]) for g in self.create_optimizer(module).param_groups}

    def describe(self, model: torch.nn.Module) -> str:
        """A table of the param groups :meth:`build` would make on ``model``: name, tensors,
        elements, base lr, weight decay and schedule (see :func:`nshsched.groups.describe.describe`).
        """
        optimizer = self.create_optimizer(model)
        names = [g["name"] for g in optimizer.param_groups]
        # A copy: the warn-once state of this config is left for the real build.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schedule = self.model_copy().group_scheduler(names)
        frozen = [p for p in model.parameters() if not p.requires_grad]
        return describe(group_rows(optimizer.param_groups, schedule), frozen)

    # ------------------------------------------------------------------ building

    def build(
        self,
        module: torch.nn.Module,
        length: TrainingLength,
        *,
        named: list[tuple[str, Any]] | None = None,
    ) -> tuple[Optimizer, Any | None]:
        """The optimizer and scheduler for a plain PyTorch loop.

        A schedule-free optimizer (``schedule_free_adamw``, ``schedule_free_sgd``,
        ``schedule_free_radam``) comes back in train mode, ready to step. The loop calls
        ``optimizer.eval()`` before evaluating the model or saving a checkpoint (the
        parameters then hold the averaged weights) and ``optimizer.train()`` before the next
        training step (a step in eval mode raises).

        Closed-form schedules (every built-in one but plateau, and ``per_group`` of them)
        come back as one scheduler to step after every ``optimizer.step()``, whatever their
        ``interval``: an ``interval: epoch`` schedule is read at each optimizer step and
        changes at the epoch boundaries of ``length``. ``scheduler.step_to(n)`` seeks.
        A plateau schedule wants ``scheduler.step(metric)`` after each validation (every
        ``frequency`` epochs); its warmup, and the closed-form groups of a ``per_group``
        config beside it, move at every optimizer step by themselves (an optimizer step
        hook; a ``scheduler.step()`` without a metric changes nothing). A custom scheduler with
        ``interval: epoch`` wants ``scheduler.step()`` after each epoch (its ``frequency``
        is applied inside the returned scheduler).

        Args:
            module: The model.
            length: The training length the schedule is resolved against.
            named: The ``(name, parameter)`` pairs this config owns (see
                :meth:`torch_param_groups`).

        Raises:
            ValueError: the schedule needs more than one torch scheduler (a ``per_group``
                config with several plateau groups, each stepped with its own metric): use
                :meth:`configure_optimizers` with Lightning.
        """
        from ..runtime.dicts import build_scheduler

        optimizer = self.create_optimizer(module, named=named)
        names = [g["name"] for g in optimizer.param_groups]
        schedule = self.lr_schedule(names)
        if schedule is None:
            return optimizer, None
        factors = self.layer_factors(names)  # all the groups say, before the runtime
        return optimizer, build_scheduler(
            schedule,
            optimizer,
            length,
            per_step=True,
            hyperparameters=self.hyperparameters,
            factors=factors,
        )

    def scheduler_dicts(
        self, optimizer: Optimizer, length: Any, *, per_step: bool = False
    ) -> list[dict[str, Any]]:
        """Lightning's ``lr_scheduler`` dicts of this config's schedule driving ``optimizer``
        (made by :meth:`create_optimizer`); none without a schedule.

        Args:
            optimizer: The optimizer.
            length: A :class:`~nshsched.TrainingLength`, or a ``LightningModule`` whose
                trainer gives it (read only when there is a schedule).
            per_step: Step-interval dicts for every schedule (manual optimization).
        """
        from ..duration import resolve_length
        from ..runtime.dicts import scheduler_dicts

        names = [g["name"] for g in optimizer.param_groups]
        schedule = self.lr_schedule(names)
        if schedule is None:
            return []
        factors = self.layer_factors(names)
        return scheduler_dicts(
            schedule,
            optimizer,
            resolve_length(length),
            per_step=per_step,
            hyperparameters=self.hyperparameters,
            factors=factors,
        )

    def configure_optimizers(self, lightning_module: Any) -> Any:
        """What ``LightningModule.configure_optimizers`` returns.

        With a schedule-free optimizer (``schedule_free_adamw``...), a
        :class:`~nshsched.optimizer.schedule_free_modes.ScheduleFreeCallback` is added to the
        trainer: training steps run in train mode; validation, test, prediction, saved
        checkpoints and the model after ``fit`` see the eval-mode (averaged) weights.

        Returns:
            ``{"optimizer": opt}`` without a schedule; ``{"optimizer": opt, "lr_scheduler":
            {...}}`` (Lightning's scheduler dict) with one; and Lightning's list form
            ``([opt], [dict1, dict2, ...])`` when the schedule needs several torch schedulers
            (a ``per_group`` schedule with several plateau groups, each with its metric).

        Raises:
            ValueError: a plateau scheduler that cannot see its monitored metric with this
                trainer's settings (see :func:`nshsched.runtime.dicts.check_monitor_visible`),
                or any error of :meth:`torch_param_groups` and ``TrainingLength.from_trainer``.
        """
        from ..optimizer.schedule_free_modes import attach
        from ..runtime.dicts import check_monitor_visible

        optimizer = self.create_optimizer(lightning_module)
        attach(lightning_module, [optimizer])  # schedule-free: train/eval modes switched
        specs = self.scheduler_dicts(optimizer, lightning_module)
        trainer = getattr(lightning_module, "trainer", None)
        for spec in specs:
            if trainer is not None:
                check_monitor_visible(trainer, spec)
        if not specs:
            return {"optimizer": optimizer}
        if len(specs) == 1:
            return {"optimizer": optimizer, "lr_scheduler": specs[0]}
        return [optimizer], specs
