"""Parameter groups, per-group schedules, and the one-line ``configure_optimizers``.

:class:`OptimizationConfig` turns an optimizer config, an optional global scheduler and a
list of :class:`ParamGroupConfig` into torch param groups, an optimizer and a scheduler:
``build`` for plain PyTorch loops, ``configure_optimizers`` for Lightning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, model_validator
from typing_extensions import Self

from ._warnings import warn
from .config import Config
from .duration import TrainingLength
from .grouping import DEFAULT_GROUP, NO_DECAY_SUFFIX, base_group
from .hyperparameters import HyperparameterScheduleConfig, check_key
from .layer_decay import LayerDecayConfig
from .lr_scheduler.base import (
    LRSchedulerConfig,
    LRSchedulerConfigBase,
)
from .optimizer import OptimizerConfig

if TYPE_CHECKING:
    import torch
    from torch.optim import Optimizer

__all__ = ["DEFAULT_GROUP", "NO_DECAY_SUFFIX", "OptimizationConfig", "ParamGroupConfig"]

_SHOWN_NAMES = 8


def _none_marker(value: Any) -> Any:
    """``"none"`` (how a dump with ``exclude_none`` writes ``None``) reads as ``None``."""
    return None if value == "none" else value


class ParamGroupConfig(Config):
    """A named torch param group: the parameters whose names match ``params``, with their
    own learning rate, weight decay and schedule.

    A group's LR is ``lr`` if set, else ``optimizer.lr * lr_scale`` if set, else the
    optimizer's ``lr``. ``scheduler`` chooses the group's schedule:

    - ``"inherit"`` (the default): the global ``OptimizationConfig.scheduler``;
    - ``None``: constant at the group's LR;
    - a scheduler config: this group's own schedule (the global one, if any, is overridden,
      with a warning).

    Example:
        >>> from nshsched import ParamGroupConfig
        >>> g = ParamGroupConfig(name="head", params=["head.*"], lr_scale=10.0)
        >>> g.model_dump()["scheduler"]
        'inherit'
    """

    name: Annotated[str, Field(min_length=1)]
    """The group's name: torch's ``param_group["name"]``, logged by ``LearningRateMonitor`` as
    ``lr-<Optimizer>/<name>``. ``default`` is reserved for the unmatched parameters."""

    params: Annotated[list[str], Field(min_length=1)]
    """Glob patterns (``fnmatch``, case-sensitive) over ``module.named_parameters()`` names,
    e.g. ``["encoder.*", "*.bias"]``. Each must match at least one parameter."""

    lr: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """This group's base learning rate (absolute). Exclusive with ``lr_scale``."""

    lr_scale: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """This group's base learning rate as a multiple of the optimizer's ``lr``."""

    weight_decay: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """This group's weight decay (default: the optimizer's)."""

    scheduler: Annotated[
        Literal["inherit"] | LRSchedulerConfig | None, BeforeValidator(_none_marker)
    ] = "inherit"
    """``"inherit"``: the global scheduler; ``None`` (or ``"none"``): constant LR; a config:
    this group's own. A dump with ``exclude_none`` writes ``None`` as ``"none"``."""

    __dump_none_as__: ClassVar[Mapping[str, str]] = {"scheduler": "none"}

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.lr is not None and self.lr_scale is not None:
            raise ValueError(
                f"param group {self.name!r}: set lr or lr_scale, not both "
                f"(lr={self.lr}, lr_scale={self.lr_scale})"
            )
        if self.name == DEFAULT_GROUP:
            raise ValueError(
                f"param group name {self.name!r} is reserved for the parameters no group "
                "matches; choose another name"
            )
        return self


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
        names = [g.name for g in self.param_groups]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"param group name {name!r} is used by more than one group")
            seen.add(name)
        for key in self.hyperparameters:
            check_key(key)
        if self.module is not None and (
            not self.module or any(not part for part in self.module.split("."))
        ):
            raise ValueError(
                f"module: {self.module[:200]!r} is an empty submodule path; give a dotted "
                "path such as 'encoder' or 'model.actor', or leave module unset for the "
                "whole model"
            )
        if self.no_weight_decay is not False:
            generated = {n + NO_DECAY_SUFFIX for n in [*names, DEFAULT_GROUP]}
            clash = sorted(generated & seen)
            if clash:
                raise ValueError(
                    f"param group name(s) {clash} clash with the `<group>{NO_DECAY_SUFFIX}` groups "
                    "that no_weight_decay=True creates; rename them"
                )
        decays = self.no_weight_decay is not False or any(
            g.weight_decay is not None for g in self.param_groups
        )
        if decays and "weight_decay" not in type(self.optimizer).model_fields:
            raise ValueError(
                f"optimizer {self.optimizer.name!r} has no weight_decay, but "  # type: ignore[attr-defined]
                f"no_weight_decay={self.no_weight_decay} or a group sets weight_decay"
            )
        if getattr(type(self.optimizer), "schedule_free", False):
            from .runtime.decay import warn_if_decaying

            warn_if_decaying(self)
        return self

    # ------------------------------------------------------------------ param groups

    def group_options(self, name: str) -> dict[str, Any]:
        """The options of the group named ``name`` that differ from the optimizer's: ``lr``
        (its own, or the optimizer's ``lr × lr_scale``) and ``weight_decay``."""
        spec: dict[str, Any] = {}
        pg = next((g for g in self.param_groups if g.name == name), None)
        if pg is None:
            return spec
        if pg.lr is not None:
            spec["lr"] = pg.lr
        elif pg.lr_scale is not None:
            base_lr = getattr(self.optimizer, "lr", None)
            if not isinstance(base_lr, (int, float)):
                raise ValueError(
                    f"param group {name!r} sets lr_scale={pg.lr_scale} but the "
                    f"optimizer has no numeric lr ({base_lr!r})"
                )
            spec["lr"] = base_lr * pg.lr_scale
        if pg.weight_decay is not None:
            spec["weight_decay"] = pg.weight_decay
        return spec

    def torch_param_groups(self, module: torch.nn.Module) -> list[dict[str, Any]]:
        """The torch param-group dicts for ``module`` (``name``, ``params``, and ``lr`` /
        ``weight_decay`` where they differ from the optimizer's); names are those of the
        unwrapped model, relative to :attr:`module` (see :mod:`nshsched.grouping`).

        Raises:
            ValueError: a group matches no parameter, or a parameter matches two groups.
        """
        from .grouping import torch_param_groups

        return torch_param_groups(self, module)

    # ------------------------------------------------------------------ schedules

    def group_scheduler(self, group_names: list[str]) -> LRSchedulerConfigBase | None:
        """The scheduler config driving param groups ``group_names`` (the torch groups' names).

        Without group overrides it is the global scheduler. With overrides it is a
        ``per_group`` config: ``default`` = the global scheduler, and each overriding group
        (and its ``_no_decay`` sibling) with its own schedule (``None``: constant).
        Setting both a global scheduler and overrides warns once; the overrides win.
        """
        overrides: dict[str, LRSchedulerConfigBase | None] = {}
        for group in self.param_groups:
            if isinstance(group.scheduler, str):  # "inherit"
                continue
            for name in group_names:
                if self._configured_group(name) in (group.name, group.name + NO_DECAY_SUFFIX):
                    overrides[name] = group.scheduler
        if not overrides:
            return self._expand_parts(self.scheduler, group_names)
        if self.scheduler is not None and not self._warned:
            self._warned = True
            names = [g.name for g in self.param_groups if not isinstance(g.scheduler, str)]
            warn(
                f"param group(s) {names} set their own scheduler and a global scheduler "
                f"({type(self.scheduler).__name__}) is set too: those groups use their own",
                UserWarning,
            )
        if self.scheduler is None and all(v is None for v in overrides.values()):
            return None  # every group constant: nothing to schedule
        from .lr_scheduler.composition import PerGroupSchedulerConfig

        return PerGroupSchedulerConfig(
            default=self._expand_parts(self.scheduler, group_names), groups=overrides
        )

    def _configured_group(self, name: str) -> str:
        """The group a torch group belongs to: ``head.layer3`` -> ``head`` with
        ``layer_decay`` (without it, names are taken as they are)."""
        return base_group(name) if self.layer_decay is not None else name

    def _expand_parts(
        self, config: LRSchedulerConfigBase | None, group_names: list[str]
    ) -> LRSchedulerConfigBase | None:
        """A ``per_group`` config whose ``groups`` name configured groups, extended to the
        parts ``layer_decay`` splits them into (``head`` -> ``head.layer0``, ...)."""
        groups = getattr(config, "groups", None)
        if (
            self.layer_decay is None
            or getattr(config, "runtime_kind", None) != "per_group"
            or not isinstance(groups, dict)
        ):
            return config
        split = [name for name in group_names if base_group(name) != name]
        expanded = dict(groups)
        for name in split:
            base = base_group(name)
            if base in groups and name not in groups:
                expanded[name] = groups[base]
        for base in {base_group(n) for n in split}:
            if base in expanded and base not in group_names:
                del expanded[base]
        return config.model_copy(update={"groups": expanded})  # type: ignore[union-attr]

    def lr_schedule(self, group_names: list[str]) -> LRSchedulerConfigBase | None:
        """:meth:`group_scheduler`, or a constant LR schedule when only
        :attr:`hyperparameters` are scheduled (so one scheduler writes them)."""
        config = self.group_scheduler(group_names)
        if config is None and self.hyperparameters:
            from .lr_scheduler.hf import ConstantSchedulerConfig

            return ConstantSchedulerConfig()
        return config

    def base_lrs(self, module: torch.nn.Module) -> dict[str, float]:
        """Each param group's base LR by name (as :func:`nshsched.preview` takes them)."""
        optimizer = self.optimizer.create_optimizer(self.torch_param_groups(module))
        return {g["name"]: float(g["lr"]) for g in optimizer.param_groups}

    def describe(self, model: torch.nn.Module) -> str:
        """A table of the param groups :meth:`build` would make on ``model``: name, tensors,
        elements, base lr, weight decay and schedule (see :func:`nshsched.describe.describe`).
        """
        from .describe import describe

        return describe(self, model)

    # ------------------------------------------------------------------ building

    def _create(
        self, module: torch.nn.Module, length_source: Any, *, per_step: bool = False
    ) -> tuple[Optimizer, list[dict[str, Any]]]:
        from .duration import resolve_length
        from .runtime.dicts import scheduler_dicts

        optimizer = self.optimizer.create_optimizer(self.torch_param_groups(module))
        config = self.lr_schedule([g["name"] for g in optimizer.param_groups])
        if config is None:
            return optimizer, []
        length = resolve_length(length_source)
        return optimizer, scheduler_dicts(
            config, optimizer, length, per_step=per_step, hyperparameters=self.hyperparameters
        )

    def build(
        self, module: torch.nn.Module, length: TrainingLength
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
        A plateau schedule wants ``scheduler.step()`` after every optimizer step (it
        advances a warmup; without one it does nothing) and ``scheduler.step(metric)``
        after each validation (every ``frequency`` epochs). A custom scheduler with
        ``interval: epoch`` wants ``scheduler.step()`` after each epoch (its ``frequency``
        is applied inside the returned scheduler).

        Raises:
            ValueError: the schedule needs more than one torch scheduler (a ``per_group``
                config with a plateau group next to scheduled groups): use
                :meth:`configure_optimizers` with Lightning.
        """
        from .runtime.dicts import build_scheduler
        from .runtime.plan import compilable
        from .runtime.scheduler import EveryNScheduler

        optimizer = self.optimizer.create_optimizer(self.torch_param_groups(module))
        config = self.lr_schedule([g["name"] for g in optimizer.param_groups])
        if config is None:
            return optimizer, None
        if compilable(config):
            return optimizer, build_scheduler(
                config, optimizer, length, per_step=True, hyperparameters=self.hyperparameters
            )
        # A custom scheduler (create_scheduler_impl only).
        from .runtime.dicts import scheduler_dicts

        spec = scheduler_dicts(
            config, optimizer, length, per_step=True, hyperparameters=self.hyperparameters
        )[0]
        scheduler = spec["scheduler"]
        if spec["interval"] == "epoch" and spec.get("frequency", 1) > 1:
            scheduler = EveryNScheduler(scheduler, spec["frequency"])
        return optimizer, scheduler

    def configure_optimizers(self, lightning_module: Any) -> Any:
        """What ``LightningModule.configure_optimizers`` returns.

        With a schedule-free optimizer (``schedule_free_adamw``...), a
        :class:`~nshsched.integrations.schedule_free.ScheduleFreeCallback` is added to the
        trainer: training steps run in train mode; validation, test, prediction, saved
        checkpoints and the model after ``fit`` see the eval-mode (averaged) weights.

        Returns:
            ``{"optimizer": opt}`` without a schedule; ``{"optimizer": opt, "lr_scheduler":
            {...}}`` (Lightning's scheduler dict) with one; and Lightning's list form
            ``([opt], [dict1, dict2, ...])`` when the schedule needs several torch schedulers
            (a ``per_group`` schedule with a plateau group next to closed-form groups).

        Raises:
            ValueError: a plateau scheduler that cannot see its monitored metric with this
                trainer's settings (see :func:`nshsched.lightning.check_monitor_visible`),
                or any error of :meth:`torch_param_groups` and ``TrainingLength.from_trainer``.
        """
        from .integrations.schedule_free import attach
        from .lightning import check_monitor_visible

        optimizer, specs = self._create(lightning_module, lightning_module)
        attach(lightning_module, [optimizer])  # schedule-free: train/eval modes switched
        trainer = getattr(lightning_module, "trainer", None)
        for spec in specs:
            if trainer is not None:
                check_monitor_visible(trainer, spec)
        if not specs:
            return {"optimizer": optimizer}
        if len(specs) == 1:
            return {"optimizer": optimizer, "lr_scheduler": specs[0]}
        return [optimizer], specs
