"""Whether a schedule lowers the learning rate: what a schedule-free optimizer does not want.

A schedule-free optimizer (``schedule_free_adamw``...) replaces the decay by an average of
its iterates; a warmup (the LR rising, then constant) is fine, a decay after the peak works
against it. :func:`decays` answers for any scheduler config, without a training length: the
schedule is evaluated on a long synthetic one (:data:`PROBE`), so durations given as
fractions, epochs or steps all show their shape.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..duration import TrainingLength

__all__ = ["PROBE", "decays"]

PROBE = TrainingLength(steps_per_epoch=1000, total_steps=1_000_000)
"""The length the shape of a schedule is read on: 1000 epochs of 1000 steps."""

_SAMPLES = 20_001


def decays(config: Any) -> bool:
    """Whether ``config`` ever brings the LR below its peak so far.

    A plateau schedule decays (on a metric); a ``per_group`` schedule decays when any of its
    schedules does; a closed-form schedule is read at 20,001 steps of :data:`PROBE` (a value
    more than 1e-9 relative below the running peak is a decay). A custom scheduler
    (``create_scheduler_impl`` only), or one that cannot be evaluated on :data:`PROBE`,
    counts as not decaying: nothing is known about it.

    Example:
        >>> import nshsched as S
        >>> from nshsched.runtime.decay import decays
        >>> construct = S.lr_scheduler_registry.construct
        >>> decays(construct({"name": "cosine", "warmup": 100})), decays(
        ...     construct({"name": "constant_with_warmup", "warmup": 100}))
        (True, False)
    """
    import numpy as np

    from .checks import HorizonWarning
    from .plan import compile_plan, evaluate

    kind = getattr(config, "runtime_kind", None)
    if kind == "plateau":
        return True
    if kind == "per_group":
        parts = [config.default, *config.groups.values()]
        return any(decays(part) for part in parts if part is not None)
    if kind != "closed_form":
        return False
    groups = [{"lr": 1.0}]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HorizonWarning)
            plan = compile_plan(config, groups, 1.0, PROBE, momentum=False, checks=False)
    except ValueError:  # e.g. a growth that overflows on this long a run: not a decay
        return False
    if plan is None:
        return False
    steps = np.linspace(0, PROBE.total_steps, _SAMPLES).round().astype(np.int64)
    values = np.asarray(evaluate(plan, groups, steps))[:, 0]
    peak = np.maximum.accumulate(values)
    return bool((values < peak * (1 - 1e-9)).any())
