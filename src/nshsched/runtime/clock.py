"""The clock: a closed-form schedule config's curve over optimizer steps.

A config states its curve over its own scheduler steps (:meth:`lr_curve`), in the unit of
its ``interval`` (optimizer steps or epochs), advancing once every ``frequency`` of them.
This module is the one place that turns that into a curve over **optimizer** steps:

.. math::
    v(t) = \\begin{cases}
        v_0\\, t / W & t < W \\\\
        f\\big(\\lfloor (t - W) / n \\rfloor\\big) & t \\ge W
    \\end{cases}

where :math:`W` is the generic ``warmup`` in optimizer steps (epochs are converted with the
steps per epoch, rounded as durations are), :math:`n` the optimizer steps per scheduler step
(``frequency`` for ``interval: step``, ``frequency`` × steps per epoch for ``epoch``),
:math:`f` the config's own curve, run on a training length shortened by :math:`W`, and
:math:`v_0 = f(0)`. A warmup therefore always rises at every optimizer step, whatever the
interval. Configs are read through their methods only (``steps_per_unit``, ``warmup``,
``group_lr_curves``, ``resolved_metadata``), so this module imports no config class.
"""

from __future__ import annotations

from typing import Any, Literal

from .. import functional as F
from ..duration import TrainingLength

__all__ = ["interval", "step_curves", "warmup_steps"]


def warmup_steps(config: Any, length: TrainingLength) -> int:
    """The generic ``warmup`` of ``config`` in optimizer steps (0 without one)."""
    getter = getattr(config, "generic_warmup", None)
    warmup = getter() if getter is not None else getattr(config, "warmup", None)
    return 0 if warmup is None else int(warmup.to_steps(length))


def interval(config: Any, length: TrainingLength) -> Literal["step", "epoch"]:
    """The interval of the scheduler built for ``config``: its own, except that a joined
    warmup makes it a step-interval scheduler (the warmup rises at every optimizer step)."""
    if warmup_steps(config, length) > 0:
        return "step"
    return config.resolved_metadata()["interval"]  # type: ignore[no-any-return]


def _every(n: int) -> Any:
    return lambda schedule: F.every(schedule, n)


def step_curves(config: Any, length: TrainingLength, count: int = 1) -> list[F.LRCurve]:
    """The curves over optimizer steps of ``count`` param groups driven by ``config``.

    Usually the same curve object ``count`` times (only configs with per-group values, like
    ``one_cycle_lr`` with a list ``max_lr``, differ by group).
    """
    w = warmup_steps(config, length)
    rest = length
    if w > 0:
        rest = TrainingLength(
            steps_per_epoch=length.steps_per_epoch, total_steps=max(1, length.total_steps - w)
        )
    n = config.steps_per_unit(length)
    curves = config.group_lr_curves(rest, count)
    out: list[F.LRCurve] = []
    done: dict[int, F.LRCurve] = {}
    for curve in curves:
        key = id(curve)
        if key not in done:
            body = curve if n == 1 else curve.map(_every(n))
            done[key] = F.warmup_curve(body, w)
        out.append(done[key])
    return out
