"""The targets of scheduled hyperparameters (``OptimizationConfig.hyperparameters``).

Each scheduled key gets one :class:`~nshsched.runtime.plan.Target` per param group, on the
same plan as the LR, with a pure scale curve over optimizer steps applied to the group's
configured value :math:`b_g`:

.. math::
    v_g(t) = b_g\\, s(t), \\qquad s(t) = \\begin{cases}
        m(t) & \\text{relative} \\\\
        \\big(e + (s_0 - e)\\, m(t)\\big) / d & \\text{with start } s_0 \\text{ and end } e
    \\end{cases}

where :math:`m` is the schedule's curve (through the clock: its warmup, interval and
frequency) read for a base value of 1, offsets included as factors, and :math:`d` the
optimizer's default value of the key. Nothing here imports torch or a config class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .. import functional as F
from ..duration import TrainingLength
from . import clock

__all__ = ["group_keys", "has_key", "hyper_targets", "key_value"]


def momentum_key(group: Mapping[str, Any]) -> str | None:
    """Where a group keeps its momentum: ``"momentum"``, ``"betas.0"``, or ``None``."""
    if "momentum" in group:
        return "momentum"
    if "betas" in group:
        return "betas.0"
    return None


def base_value(group: Mapping[str, Any], key: str) -> float:
    """A group's configured value of ``key`` (``initial_lr`` for the LR, as torch keeps it)."""
    if key == "lr":
        return float(group.get("initial_lr", group["lr"]))
    name, _, index = key.partition(".")
    value = group[name]
    return float(value[int(index)] if index else value)


def key_value(container: Mapping[str, Any], key: str) -> Any:
    """``container[key]``, where ``"betas.1"`` names a tuple's element (``None`` if absent)."""
    name, _, index = key.partition(".")
    value = container.get(name)
    if not index:
        return value
    if isinstance(value, (tuple, list)) and int(index) < len(value):
        return value[int(index)]
    return None


def _numeric(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    return hasattr(value, "item") and getattr(value, "ndim", 1) == 0  # a scalar tensor


def has_key(group: Mapping[str, Any], key: str) -> bool:
    """Whether ``group`` holds a number under ``key``."""
    return _numeric(key_value(group, key))


def group_keys(group: Mapping[str, Any]) -> list[str]:
    """The numeric keys of a param group (tuple elements as ``name.i``), ``lr`` excluded."""
    keys: list[str] = []
    for k, v in group.items():
        if k in ("params", "name", "lr", "initial_lr"):
            continue
        if _numeric(v):
            keys.append(k)
        elif isinstance(v, (tuple, list)) and v and all(_numeric(x) for x in v):
            keys += [f"{k}.{i}" for i in range(len(v))]
    return keys


def _unit_schedule(curve: F.LRCurve) -> F.Schedule:
    """The curve's value for a base value of 1 (offsets as factors)."""
    if curve.offset is None and curve.ref_offset is None:
        return curve.scale

    def m(t: Any) -> Any:
        return curve.lr(t, 1.0, 1.0)

    return m


def _absolute(m: F.Schedule, start: float, end: float, default: float) -> F.Schedule:
    a, b = end / default, (start - end) / default

    def s(t: Any) -> Any:
        return a + b * m(t)

    return s


def hyper_targets(
    hyperparameters: Mapping[str, Any],
    groups: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
    length: TrainingLength,
    target: Any,
) -> list[Any]:
    """One target per (group, key) of every scheduled hyperparameter.

    Args:
        hyperparameters: key -> ``HyperparameterScheduleConfig``.
        groups: The optimizer's param groups.
        defaults: The optimizer's defaults (``optimizer.defaults``).
        length: The training length.
        target: The :class:`~nshsched.runtime.plan.Target` class.

    Raises:
        ValueError: A key the groups do not hold (naming those they do), or ``start``/``end``
            over a default of 0, naming the field.
    """
    out = []
    for key, hp in hyperparameters.items():
        missing = [g.get("name", i) for i, g in enumerate(groups) if not has_key(g, key)]
        if missing:
            raise ValueError(
                f"hyperparameters.{key[:200]}: the optimizer's param groups have no value "
                f"{key[:200]!r} (group {missing[0]!r}); the keys there are "
                f"{group_keys(groups[0])}"
            )
        m = _unit_schedule(clock.step_curves(hp.schedule, length, 1)[0])
        if hp.start is not None:
            default = key_value(defaults, key)
            default = float(default) if _numeric(default) else float("nan")
            if not (default != 0 and math.isfinite(default)):
                raise ValueError(
                    f"hyperparameters.{key}: start/end ({hp.start} -> {hp.end}) are stated for "
                    f"the optimizer's default {key}, which is {default!r}: set the optimizer's "
                    f"{key} to a non-zero value (each group keeps its ratio to it), or drop "
                    "start/end to multiply each group's own value"
                )
            m = _absolute(m, hp.start, hp.end, default)
        curve = F.LRCurve(m)
        out += [target(i, key, curve) for i in range(len(groups))]
    return out
