"""Several optimizers, each owning a submodule: actor/critic/encoder setups, GANs.

:class:`OptimizersConfig` holds one :class:`~nshsched.OptimizationConfig` per key. An entry's
``module`` is the dotted path of the submodule whose parameters it owns (on the unwrapped
model); at most one entry leaves it unset and owns the rest. Each entry builds its own
optimizer and schedule, counting its own optimizer's steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator
from typing_extensions import Self

from ..config.base import Config
from ..duration import TrainingLength
from .naming import module_named_parameters
from .optimization import OptimizationConfig

if TYPE_CHECKING:
    import torch

__all__ = ["OptimizersConfig"]


class OptimizersConfig(Config):
    """One optimizer (with its schedule and param groups) per submodule.

    Every trainable parameter belongs to exactly one entry: the entry whose ``module``
    contains it, else the entry without ``module`` (the rest). An entry's ``param_groups``,
    ``layer_decay`` and ``no_weight_decay`` patterns are relative to its ``module``, and it
    reads the ``no_weight_decay()`` methods of its module and below.

    Example:
        >>> import torch, nshsched as S
        >>> model = torch.nn.ModuleDict({"actor": torch.nn.Linear(2, 2),
        ...                              "critic": torch.nn.Linear(2, 1)})
        >>> cfg = S.OptimizersConfig.model_validate({"optimizers": {
        ...     "actor": {"module": "actor", "optimizer": {"name": "adam", "lr": 3e-4}},
        ...     "critic": {"module": "critic", "optimizer": {"name": "adam", "lr": 1e-3}}}})
        >>> built = cfg.build(model, S.TrainingLength(steps_per_epoch=10, total_steps=100))
        >>> {k: opt.param_groups[0]["lr"] for k, (opt, sched) in built.items()}
        {'actor': 0.0003, 'critic': 0.001}
    """

    optimizers: Annotated[dict[str, OptimizationConfig], Field(min_length=1)]
    """The optimizers by key (``lr-<key>`` in ``LearningRateMonitor``), in stepping order."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        rest = [k for k, v in self.optimizers.items() if v.module is None]
        if len(rest) > 1:
            raise ValueError(
                f"optimizers {rest} all leave `module` unset: at most one entry may own the "
                "rest of the model; give the others a submodule path (module: actor)"
            )
        return self

    def owned_parameters(self, model: torch.nn.Module) -> dict[str, list[tuple[str, Any]]]:
        """Each entry's ``(name, parameter)`` pairs, names relative to its ``module``.

        Raises:
            ValueError: a ``module`` that names no submodule, a parameter owned by two
                entries, or a trainable parameter owned by none.
        """
        for key, entry in self.optimizers.items():
            if entry.module is not None:
                module_named_parameters(model, entry.module, field=f"optimizers.{key}.module")
        named = module_named_parameters(model)
        by_key: dict[str, list[tuple[str, Any]]] = {k: [] for k in self.optimizers}
        rest = next((k for k, v in self.optimizers.items() if v.module is None), None)
        for name, param in named:
            owners = [
                k
                for k, v in self.optimizers.items()
                if v.module is not None and name.startswith(v.module + ".")
            ]
            if len(owners) > 1:
                raise ValueError(
                    f"parameter {name!r} is owned by optimizers {owners[0]!r} "
                    f"(module {self.optimizers[owners[0]].module!r}) and {owners[1]!r} "
                    f"(module {self.optimizers[owners[1]].module!r}); make the modules disjoint"
                )
            if owners:
                prefix = str(self.optimizers[owners[0]].module) + "."
                by_key[owners[0]].append((name[len(prefix) :], param))
            elif rest is not None:
                by_key[rest].append((name, param))
            elif param.requires_grad:
                modules = {k: v.module for k, v in self.optimizers.items()}
                raise ValueError(
                    f"trainable parameter {name!r} is owned by no optimizer (modules: "
                    f"{modules}); add an entry for it, leave one entry's module unset to own "
                    "the rest, or freeze it (requires_grad=False)"
                )
        return by_key

    def build(
        self, model: torch.nn.Module, length: TrainingLength
    ) -> dict[str, tuple[Any, Any | None]]:
        """``{key: (optimizer, scheduler | None)}`` for a plain loop: step each scheduler
        after its optimizer's step (``scheduler.step_to(n)`` for optimizers stepped at
        different rates, e.g. a policy delay or a GAN's critic steps). Schedule-free
        optimizers come back in train mode: see :meth:`OptimizationConfig.build`."""
        owned = self.owned_parameters(model)
        return {
            key: entry.build(model, length, named=owned[key])
            for key, entry in self.optimizers.items()
        }

    def training_length(self, trainer: Any) -> TrainingLength:
        """The length each optimizer's schedule counts under Lightning's manual
        optimization: one step of each optimizer per training batch, so ``max_steps`` (which
        Lightning counts over all optimizers together) allows
        ``ceil(max_steps / number of optimizers)`` batches."""
        from ..duration import training_steps

        steps_per_epoch, total = training_steps(trainer, optimizers=len(self.optimizers))
        return TrainingLength(steps_per_epoch=steps_per_epoch, total_steps=total)

    def configure_optimizers(self, lightning_module: Any) -> list[dict[str, Any]]:
        """What ``LightningModule.configure_optimizers`` returns for manual optimization:
        one ``{"optimizer", "lr_scheduler"}`` dict per entry, in order, every scheduler named
        ``lr-<key>`` (a constant one where none is configured), so ``LearningRateMonitor``
        logs ``lr-<key>/<group>``. Step them in ``training_step`` after each optimizer
        (``self.lr_schedulers()``). Schedule-free optimizers get their train/eval modes
        switched as in :meth:`OptimizationConfig.configure_optimizers`.

        Raises:
            ValueError: an entry whose schedule needs several torch schedulers (a
                ``per_group`` schedule with several plateau groups), or any error of
                :meth:`owned_parameters`.
        """
        from ..lr_scheduler.hf import ConstantSchedulerConfig
        from ..optimizer.schedule_free_modes import attach
        from ..runtime.dicts import scheduler_dicts

        length = self.training_length(lightning_module.trainer)
        owned = self.owned_parameters(lightning_module)
        out: list[dict[str, Any]] = []
        built = {
            key: entry.create_optimizer(lightning_module, named=owned[key])
            for key, entry in self.optimizers.items()
        }
        attach(lightning_module, built.values())  # schedule-free: train/eval modes switched
        for key, entry in self.optimizers.items():
            optimizer = built[key]
            specs = entry.scheduler_dicts(optimizer, length, per_step=True) or scheduler_dicts(
                ConstantSchedulerConfig(), optimizer, length, per_step=True
            )
            if len(specs) != 1:
                raise ValueError(
                    f"optimizers.{key}: its schedule needs {len(specs)} torch schedulers, "
                    "which Lightning's one-scheduler-per-optimizer form cannot hold; use a "
                    "closed-form schedule for it"
                )
            out.append({"optimizer": optimizer, "lr_scheduler": {**specs[0], "name": f"lr-{key}"}})
        return out
