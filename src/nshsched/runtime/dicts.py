"""The adapters to torch and Lightning: a config becomes torch schedulers and Lightning's
``lr_scheduler`` dicts, all through one :class:`~nshsched.runtime.plan.Plan` (imports torch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength
from .plan import Config, Plan, PlateauPart, compile_plan

if TYPE_CHECKING:
    from torch.optim import Optimizer

    from .plateau import PlateauScheduler
    from .scheduler import ClosedFormLRScheduler

__all__ = ["build_scheduler", "check_monitor_visible", "optimizer_plan", "scheduler_dicts"]

_PASSED_ON = ("monitor", "reduce_on_plateau", "strict", "name")


def optimizer_plan(
    config: Config,
    optimizer: Optimizer,
    length: TrainingLength,
    *,
    per_step: bool,
    hyperparameters: Mapping[str, Any] | None = None,
    factors: Sequence[float] | None = None,
) -> Plan | None:
    """:func:`~nshsched.runtime.plan.compile_plan` for a torch optimizer's groups
    (``factors``: their layer-decay factors)."""
    default_lr = optimizer.defaults.get("lr")
    plan = compile_plan(
        config,
        optimizer.param_groups,
        float(default_lr) if default_lr is not None else float("nan"),
        length,
        per_step=per_step,
        hyperparameters=hyperparameters,
        defaults=optimizer.defaults,
        optimizer=type(optimizer).__name__,
        factors=factors,
    )
    if plan is None and hyperparameters:
        raise ValueError(
            f"hyperparameters: {type(config).__name__} is a custom scheduler "
            "(create_scheduler_impl), which cannot share its state with scheduled "
            "hyperparameters; use a closed-form or plateau LR schedule"
        )
    return plan


def _plateau(
    part: PlateauPart,
    optimizer: Optimizer,
    length: TrainingLength,
    companion: ClosedFormLRScheduler | None = None,
) -> PlateauScheduler:
    """The plateau config's own scheduler, driving the groups of ``part`` (and, through
    ``companion``, the closed-form ones beside them)."""
    every = len(part.groups) == len(optimizer.param_groups)
    return part.config.create_scheduler_impl(  # type: ignore[no-any-return]
        optimizer, length, group_indices=None if every else list(part.groups), companion=companion
    )


def _with_companion(
    config: Config,
    plan: Plan,
    optimizer: Optimizer,
    length: TrainingLength,
    hyperparameters: Mapping[str, Any] | None,
    factors: Sequence[float] | None = None,
) -> PlateauScheduler:
    """The scheduler of ``plan``'s one plateau part, with the plan's scheduled targets (if
    any) as its closed-form companion, read at every optimizer step whatever its interval."""
    from .scheduler import ClosedFormLRScheduler

    companion = None
    if any(t.curve is not None for t in plan.targets):
        if plan.unit != 1:
            plan = optimizer_plan(  # type: ignore[assignment]
                config,
                optimizer,
                length,
                per_step=True,
                hyperparameters=hyperparameters,
                factors=factors,
            )
        companion = ClosedFormLRScheduler(optimizer, plan)
    return _plateau(plan.plateaus[0], optimizer, length, companion)


def build_scheduler(
    config: Config,
    optimizer: Optimizer,
    length: TrainingLength,
    *,
    per_step: bool = False,
    hyperparameters: Mapping[str, Any] | None = None,
    factors: Sequence[float] | None = None,
) -> Any:
    """The one torch scheduler of ``config`` for a plain loop (a ``per_group`` config with
    several plateau schedules needs several: see :func:`scheduler_dicts`).

    A closed-form schedule's scheduler is stepped after every optimizer step (with
    ``per_step``, whatever its interval), a plateau one with its metric; a custom
    scheduler (a user's ``create_scheduler_impl``) is returned as it is, with its step
    ``frequency`` applied inside (an epoch ``frequency`` too: it is then stepped once per
    epoch). ``factors``: the groups' layer-decay factors (see
    :func:`~nshsched.runtime.plan.compile_plan`).
    """
    from .scheduler import ClosedFormLRScheduler
    from .stepping import EveryNScheduler

    plan = optimizer_plan(
        config,
        optimizer,
        length,
        per_step=per_step,
        hyperparameters=hyperparameters,
        factors=factors,
    )
    if plan is None:  # a custom scheduler
        spec = _custom_dict(config, optimizer, length)
        scheduler = spec["scheduler"]
        if spec["interval"] == "epoch" and spec.get("frequency", 1) > 1:
            scheduler = EveryNScheduler(scheduler, spec["frequency"])
        return scheduler
    if len(plan.plateaus) > 1:
        raise ValueError(
            f"{type(config).__name__} has {len(plan.plateaus)} plateau schedules, each "
            "stepped with its own metric: use create_schedulers(), or configure_optimizers() "
            "with Lightning"
        )
    if plan.plateaus:
        return _with_companion(config, plan, optimizer, length, hyperparameters, factors)
    return ClosedFormLRScheduler(optimizer, plan)


def scheduler_dicts(
    config: Config,
    optimizer: Optimizer,
    length: TrainingLength,
    *,
    per_step: bool = False,
    hyperparameters: Mapping[str, Any] | None = None,
    factors: Sequence[float] | None = None,
) -> list[dict[str, Any]]:
    """Lightning's ``lr_scheduler`` dicts for ``config`` driving ``optimizer``: one, except
    for a ``per_group`` config with several plateau schedules (each is stepped with its own
    metric). A ``per_group`` config that keeps every group constant gets one dict too (a
    scheduler that holds the base LRs).

    A plateau schedule's dict carries the closed-form groups beside it (and scheduled
    hyperparameters) as its scheduler's companion, advanced at every optimizer step with its
    warmup (see :class:`~nshsched.runtime.plateau.PlateauScheduler`). With several plateau
    schedules, the closed-form part has its own dict, then one dict per plateau; every dict
    after the first is named ``lr-<Optimizer>`` (unless the config names it), so
    ``LearningRateMonitor`` logs them all under the optimizer's name.
    """
    from .scheduler import ClosedFormLRScheduler

    md = config.resolved_metadata()
    plan = optimizer_plan(
        config,
        optimizer,
        length,
        per_step=per_step,
        hyperparameters=hyperparameters,
        factors=factors,
    )
    if plan is None:
        return [_custom_dict(config, optimizer, length)]
    out: list[dict[str, Any]] = []
    if len(plan.plateaus) == 1:
        plateau = _with_companion(config, plan, optimizer, length, hyperparameters, factors)
        return [_spec(plateau, plan.plateaus[0].config.resolved_metadata(), md)]
    if any(t.curve is not None for t in plan.targets) or not plan.plateaus:
        # (every group constant: a scheduler that holds them, so every config has its dict)
        spec: dict[str, Any] = {
            "scheduler": ClosedFormLRScheduler(optimizer, plan),
            "interval": plan.interval,
            "frequency": plan.frequency,
        }
        for key in _PASSED_ON:
            if key in md:
                spec[key] = md[key]  # type: ignore[literal-required]
        out.append(spec)
    for part in plan.plateaus:
        out.append(_spec(_plateau(part, optimizer, length), part.config.resolved_metadata()))
    for spec in out[1:]:
        spec.setdefault("name", "lr-" + type(optimizer).__name__)
    return out


def _spec(
    plateau: PlateauScheduler, child: Mapping[str, Any], outer: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A plateau scheduler's dict: its config's interval, frequency, monitor (and the name of
    the ``per_group`` config around it, if it has one)."""
    spec: dict[str, Any] = {
        "scheduler": plateau,
        "interval": child["interval"],
        "frequency": child.get("frequency", 1),
    }
    for key in _PASSED_ON:
        if key in child:
            spec[key] = child[key]
    if outer is not None and "name" in outer and "name" not in spec:
        spec["name"] = outer["name"]
    return spec


def _custom_dict(config: Config, optimizer: Optimizer, length: TrainingLength) -> dict[str, Any]:
    """A user's ``create_scheduler_impl`` scheduler, with a step frequency applied inside."""
    from .stepping import EveryNScheduler

    md = config.resolved_metadata()
    impl = config.create_scheduler_impl(optimizer, length)
    out: dict[str, Any] = dict(impl) if isinstance(impl, dict) else {"scheduler": impl}
    frequency = md.get("frequency", 1)
    if md["interval"] == "step":
        if frequency > 1:
            out["scheduler"] = EveryNScheduler(out["scheduler"], frequency)
        frequency = 1  # applied inside the scheduler, in optimizer steps
    out["interval"] = md["interval"]
    out["frequency"] = frequency
    for key in _PASSED_ON:
        if key in md:
            out[key] = md[key]  # type: ignore[literal-required]
    return out


def check_monitor_visible(trainer: Any, spec: Mapping[str, Any]) -> None:
    """Refuse a plateau scheduler dict whose stepping can never see its monitored metric.

    Lightning steps a plateau scheduler with the value of ``monitor`` from the metrics logged
    so far. A metric logged once per validation run cannot drive a scheduler stepped after
    every optimizer step (the first steps come before any validation), and an epoch
    scheduler with ``frequency`` must step on epochs where validation ran.

    The check only applies to metrics that come from validation: names starting with
    ``val`` (``val_loss``, ``val/acc``, ``valid_loss``...). Training metrics are logged on
    every step or epoch and are always visible.

    Raises:
        ValueError: naming the metric and saying which setting to change.
    """
    monitor = spec.get("monitor")
    if not spec.get("reduce_on_plateau") or not monitor:
        return
    if not str(monitor).lower().startswith("val"):
        return
    interval = spec.get("interval", "epoch")
    frequency = int(spec.get("frequency", 1))
    if interval == "step":
        raise ValueError(
            f"the plateau scheduler monitors {monitor!r}, a validation metric logged once per "
            "validation run, but it is stepped with interval 'step' (after every optimizer "
            "step, before any validation has logged it): use interval: epoch, or monitor a "
            "metric logged on every training step"
        )
    if trainer.limit_val_batches == 0:
        raise ValueError(
            f"the plateau scheduler monitors {monitor!r} but validation never runs "
            f"(Trainer(limit_val_batches={trainer.limit_val_batches!r})): enable validation or "
            "monitor a training metric"
        )
    every = trainer.check_val_every_n_epoch
    if every is None:
        # Validation every N training batches (val_check_interval): not tied to epochs, so
        # which epochs have a fresh metric cannot be told here.
        return
    if every > 1 and frequency % every != 0:
        raise ValueError(
            f"the plateau scheduler monitors {monitor!r} and steps every {frequency} epoch(s), "
            f"but validation runs every {every} epochs (Trainer(check_val_every_n_epoch="
            f"{every})): set the scheduler's frequency to a multiple of {every}, e.g. "
            f"frequency: {every}, or validate every epoch"
        )
