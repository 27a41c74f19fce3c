"""What ``nshsched preview`` computes, apart from how it is shown: the columns (one per param
group) and a function evaluating them at any optimizer steps.

Everything the preview shows (plot, table, CSV, PNG) evaluates the schedule through
:attr:`PreviewPlan.evaluate`, in chunks of steps, so a long run or many groups never needs
the whole ``[steps, groups]`` array in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
        notes: Lines for stderr (what the preview leaves out).
    """

    title: str
    description: str
    config: Any
    length: TrainingLength
    columns: list[str]
    evaluate: Callable[[np.ndarray], np.ndarray]
    notes: list[str] = field(default_factory=list)


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
    kind: Kind, config: Any, what: str, length: TrainingLength, lr: float
) -> PreviewPlan:
    """The one place that decides what a preview shows.

    Args:
        kind: What the file holds (``"scheduler"`` or ``"optimization"``).
        config: The validated config.
        what: Where it came from (``file x.yaml``, ``preset warmup_cosine``).
        length: The training length.
        lr: ``--lr``: the base LR of every group.

    Raises:
        CLIError: Nothing to preview, or a schedule that cannot be previewed at this length.
    """
    import numpy as np

    from .._preview import preview

    notes: list[str] = []
    if kind == "optimizer":
        raise CLIError(f"{what} holds an optimizer config: preview needs a scheduler config")
    if kind == "optimization":
        if config.scheduler is None:
            raise CLIError(f"{what} holds an OptimizationConfig without a scheduler")
        if any(getattr(g, "scheduler", "inherit") != "inherit" for g in config.param_groups):
            notes.append(
                "note: previewing the global `scheduler`; per-group schedulers in "
                "`param_groups` are not shown"
            )
        config = config.scheduler
    names = group_names(config)
    columns = names if names is not None else ["lr"]
    base_lrs: Any = dict.fromkeys(names, lr) if names is not None else [lr]
    try:
        group_list: list[str | None] = list(names) if names is not None else [None]
        closed_form = config.preview_curves(length, group_list) is not None
    except ValueError as e:
        raise CLIError(f"{what}: cannot preview {config.name}: {e}") from None

    def evaluate(steps: np.ndarray) -> np.ndarray:
        return preview(config, length, base_lrs, steps=steps)

    if not closed_form:
        # Stepping a real scheduler: once, for the whole run; chunks are slices of it.
        cells = (length.total_steps + 1) * len(columns)
        if cells > MAX_STEPPED_CELLS:
            raise CLIError(
                f"{what}: {config.name} has no closed form, so preview steps a real scheduler "
                f"through every step: {length.total_steps} steps x {len(columns)} group(s) is "
                f"more than {MAX_STEPPED_CELLS} values; preview a shorter run (--total-steps)"
            )
        everything = preview(config, length, base_lrs)

        def evaluate(steps: np.ndarray) -> np.ndarray:
            return everything[np.asarray(steps, dtype=np.int64)]

    epochs = f"{length.epochs:g} epoch(s) of {length.steps_per_epoch}"
    title = f"{what}: {config.name}"
    description = (
        f"{title} ({type(config).__name__}), {length.total_steps} steps ({epochs}), base lr {lr:g}"
    )
    return PreviewPlan(title, description, config, length, columns, evaluate, notes)
