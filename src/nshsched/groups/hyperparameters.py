"""Any hyperparameter of the optimizer on a schedule: weight decay, momentum, Adam's betas.

``OptimizationConfig.hyperparameters`` maps a param-group key (``"weight_decay"``,
``"momentum"``, ``"betas.1"``) to a :class:`HyperparameterScheduleConfig`. Its schedule is
any closed-form multiplier schedule, read as its curve for a base value of 1 (an absolute
floor such as ``eta_min`` reads as a factor), with its own warmup, interval and frequency,
counted in optimizer steps exactly as for the LR. The runtime adds one target per group to
the same plan as the LR (:mod:`nshsched.runtime.hyper`): one scheduler object, one state,
one :func:`nshsched.preview`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, model_validator
from typing_extensions import Self

from ..config.base import Config
from ..lr_scheduler.base import LRSchedulerConfig
from ..lr_scheduler.composition import SequentialSchedulerConfig

__all__ = ["REFUSED_SCHEDULES", "HyperparameterScheduleConfig", "check_key"]

REFUSED_SCHEDULES = frozenset(
    {"reduce_lr_on_plateau", "step_decay", "exponential_decay", "linear_warmup_cosine_annealing"}
)
"""Schedules that state absolute learning rates (or react to a metric): they have no
multiplier curve to read for another hyperparameter."""

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.\d+)?$")


def check_key(key: str) -> str:
    """Refuse ``"lr"`` (that is ``scheduler``) and keys that cannot name a group value."""
    if key == "lr" or key.startswith("lr."):
        raise ValueError(
            "the key 'lr' is scheduled by `scheduler`, not by `hyperparameters` (use it for "
            "weight_decay, momentum, betas.0, ...)"
        )
    if not _KEY.match(key):
        raise ValueError(
            f"key {key[:200]!r} is not a param-group key: write a name (weight_decay, "
            "momentum) or a tuple element (betas.1)"
        )
    return key


def _refused(schedule: Any) -> str | None:
    """The tag of a schedule in ``schedule`` (itself or a ``sequential`` phase) that has no
    multiplier curve, or ``None``."""
    tag = getattr(schedule, "name", None)
    if tag in REFUSED_SCHEDULES or getattr(schedule, "runtime_kind", None) != "closed_form":
        return str(tag or type(schedule).__name__)
    if isinstance(schedule, SequentialSchedulerConfig):  # (WSD's ``phases`` is a method)
        for phase in schedule.phases:
            found = _refused(phase.schedule)
            if found:
                return found
    return None


class HyperparameterScheduleConfig(Config):
    """A schedule for one param-group value other than the LR.

    Without ``start``/``end`` each group's value is its configured value times the
    schedule's multiplier :math:`m(t)`. With both, the optimizer's default value follows

    .. math::
        v(t) = e + (s - e)\\, m(t)

    and each group keeps its ratio to the default (a group configured at twice the default
    gets :math:`2\\,v(t)`; a no-decay group, configured at 0, stays 0). :math:`s` is
    ``start``, :math:`e` is ``end``, :math:`m` is 1 at the start of a decay and its floor
    at the end, so step 0 gets ``start`` (not the configured value).

    Example:
        DINO's weight decay, 0.04 to 0.4 on a cosine over the whole training:

        >>> import nshsched as S
        >>> wd = S.HyperparameterScheduleConfig(schedule={"name": "cosine"}, start=0.04, end=0.4)
        >>> (wd.start, wd.end)
        (0.04, 0.4)
    """

    schedule: LRSchedulerConfig
    """A closed-form schedule (with its own ``warmup``, ``interval``, ``frequency``), read
    as a multiplier. ``reduce_lr_on_plateau``, ``per_group``, ``step_decay``,
    ``exponential_decay`` and ``linear_warmup_cosine_annealing`` are refused."""

    start: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The default's value where the multiplier is 1 (with ``end``)."""

    end: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The default's value where the multiplier is 0 (with ``start``)."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError(
                f"set both start and end, or neither (got start={self.start}, end={self.end}): "
                "with both the optimizer default's value runs from start to end, without "
                "them each group's configured value is multiplied by the schedule"
            )
        refused = _refused(self.schedule)
        if refused is not None:
            raise ValueError(
                f"schedule: {refused!r} cannot schedule a hyperparameter (it has no single "
                "multiplier curve: it states absolute learning rates, reacts to a metric, or "
                "drives param groups by name); use a closed-form multiplier schedule such as "
                "cosine, linear, constant_with_warmup or sequential"
            )
        return self

    @property
    def absolute(self) -> bool:
        """Whether ``start``/``end`` are set."""
        return self.start is not None
