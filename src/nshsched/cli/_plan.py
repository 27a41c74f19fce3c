"""What ``nshsched preview`` computes, apart from how it is shown: the columns (one per param
group) and a function evaluating them at any optimizer steps.

Everything the preview shows (plot, table, CSV, PNG) evaluates the schedule through
:attr:`PreviewPlan.evaluate`, in chunks of steps, so a long run or many groups never needs
the whole ``[steps, groups]`` array in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength
from ._errors import CLIError
from ._input import Kind

if TYPE_CHECKING:
    import numpy as np

    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["MAX_STEPPED_CELLS", "PreviewPlan", "group_names", "plan_preview"]

MAX_STEPPED_CELLS = 10_000_000
"""A schedule without a closed form is stepped on a throw-away optimizer: at most this many
(step, group) values."""


@dataclass(frozen=True)
class PreviewPlan:
    """The columns of a preview and how to evaluate them.

    Attributes:
        title: What is previewed, e.g. ``preset warmup_cosine: cosine``.
        description: One line: the config's class, the length and the base LR.
        config: The scheduler config (its boundaries label the key points).
        length: The training length previewed.
        columns: One name per param group (``["lr"]`` for one unnamed group).
        evaluate: ``steps`` (sorted int64 array in ``0..total_steps``) -> float64 array of
            shape ``[len(steps), len(columns)]``.
    """

    title: str
    description: str
    config: Any
    length: TrainingLength
    columns: list[str]
    evaluate: Callable[[np.ndarray], np.ndarray]


def group_names(config: LRSchedulerConfigBase) -> list[str] | None:
    """The param-group names a multi-group config lists (``None``: one unnamed group).

    For a ``per_group`` config: every listed group, and ``default`` when it has a default.
    """
    groups = getattr(config, "groups", None)
    if not isinstance(groups, Mapping):
        return None
    names = [str(n) for n in groups]
    if getattr(config, "default", None) is not None and "default" not in names:
        names.append("default")
    return names


def plan_preview(
    kind: Kind,
    config: Any,
    what: str,
    length: TrainingLength,
    lr: float | None,
    key: str = "lr",
    model: Any = None,
) -> PreviewPlan:
    """The one place that decides what a preview shows.

    A scheduler config is shown for base LRs of ``lr`` (default 1.0: the multiplier), one
    column per group it names (``per_group``) or one ``lr`` column. An
    ``OptimizationConfig`` shows the absolute LR of each param group it configures (then
    ``default``), group ``lr``/``lr_scale`` and per-group schedules included, as
    ``build`` would make them, from the config alone (no torch); with ``model``, one
    column per param group ``build(model, ...)`` creates. ``lr`` replaces the optimizer's
    ``lr`` only.

    Args:
        kind: What the file holds (``"scheduler"`` or ``"optimization"``).
        config: The validated config.
        what: Where it came from (``file x.yaml``, ``preset warmup_cosine``).
        length: The training length.
        lr: ``--lr``, or ``None``.
        key: ``--key``: the param-group value shown (an ``OptimizationConfig`` only).
        model: ``--model``: the model of an ``OptimizationConfig`` (the caller refuses it
            for a scheduler config before loading it), or ``None``.

    Raises:
        CLIError: Nothing to preview, or a schedule that cannot be previewed at this length.
    """
    from ..groups.preview import prepare_preview

    if kind == "optimizer":
        raise CLIError(f"{what} holds an optimizer config: preview needs a scheduler config")
    if key != "lr" and kind != "optimization":
        raise CLIError(
            f"--key {key[:200]!r} needs an OptimizationConfig (its optimizer holds the "
            f"values); {what} holds a scheduler config, which only has learning rates"
        )
    try:
        if kind == "optimization":
            if lr is not None:
                optimizer = config.optimizer.model_copy(update={"lr": lr})
                config = config.model_copy(update={"optimizer": optimizer})
            prepared = prepare_preview(config, length, model=model, key=key)
            columns = [str(c) for c in prepared.columns]
            shown = config.scheduler
            if shown is None:
                shown = config.group_scheduler(columns)
            base = f"optimizer lr {config.optimizer.lr:g}"
            if key != "lr":
                hyper = config.hyperparameters.get(key)
                shown = hyper.schedule if hyper is not None else None
                base = f"{key} (optimizer's {key} as configured)"
        else:
            names = group_names(config)
            columns = names if names is not None else ["lr"]
            base_lr = 1.0 if lr is None else lr
            base_lrs: Any = dict.fromkeys(names, base_lr) if names is not None else [base_lr]
            prepared = prepare_preview(config, length, base_lrs)
            shown = config
            base = f"base lr {base_lr:g}"
        if prepared.stepped:
            # A user's create_scheduler_impl: stepped once for the whole run (on its first
            # evaluation); chunks are slices of it.
            cells = (length.total_steps + 1) * len(columns)
            if cells > MAX_STEPPED_CELLS:
                raise CLIError(
                    f"{what}: {prepared.schedule.name} has no closed form, so preview steps a "
                    f"real scheduler through every step: {length.total_steps} steps x "
                    f"{len(columns)} group(s) is more than {MAX_STEPPED_CELLS} values; "
                    "preview a shorter run (--total-steps)"
                )
    except ValueError as e:  # pydantic's ValidationError included
        raise _cannot(what, length, e) from None

    def checked(steps: np.ndarray) -> np.ndarray:
        # What the schedule raises at this length (an overflow, a group name) is a mistake
        # in the input; preview computes everything before it prints anything.
        try:
            return prepared.evaluate(steps)
        except ValueError as e:
            raise _cannot(what, length, e) from None

    epochs = f"{length.epochs:g} epoch(s) of {length.steps_per_epoch}"
    name = shown.name if shown is not None else "constant (no scheduler)"
    title = f"{what}: {name}" + (f" [{key}]" if key != "lr" else "")
    on = f" on a {type(model).__name__}" if model is not None else ""
    description = (
        f"{title} ({type(config).__name__}{on}), {length.total_steps} steps ({epochs}), {base}"
    )
    return PreviewPlan(title, description, shown, length, columns, checked)


def _cannot(what: str, length: TrainingLength, error: ValueError) -> CLIError:
    return CLIError(f"{what}: cannot preview it for {length.total_steps} steps: {error}")
