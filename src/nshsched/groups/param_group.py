"""One named parameter group: which parameters, their LR, weight decay and schedule.

The names of the groups nshsched makes itself live here too: ``default`` (the parameters
no group matches) and the ``_no_decay`` siblings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator
from typing_extensions import Self

from ..config.base import Config
from ..config.errors import field_error
from ..loading.quote import quote
from ..lr_scheduler.base import LRSchedulerConfig, LRSchedulerConfigBase

__all__ = [
    "DEFAULT_GROUP",
    "NO_DECAY_SUFFIX",
    "ParamGroupConfig",
    "check_groups",
    "group_options",
    "unused_lr_message",
]

DEFAULT_GROUP = "default"
"""The name of the group of parameters that no :class:`ParamGroupConfig` matches."""

NO_DECAY_SUFFIX = "_no_decay"
"""Suffix of the sibling group holding a group's 1-D parameters when ``no_weight_decay``."""


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


def group_options(group: ParamGroupConfig | None, optimizer_lr: Any) -> dict[str, Any]:
    """The options of a torch param group that differ from the optimizer's: ``lr`` (the
    group's own, or ``optimizer_lr × lr_scale``) and ``weight_decay``; none for ``None``
    (the default group).

    Raises:
        ValueError: ``lr_scale`` is set and the optimizer has no numeric ``lr``.
    """
    spec: dict[str, Any] = {}
    if group is None:
        return spec
    if group.lr is not None:
        spec["lr"] = group.lr
    elif group.lr_scale is not None:
        if not isinstance(optimizer_lr, (int, float)):
            raise ValueError(
                f"param group {group.name!r} sets lr_scale={group.lr_scale} but the "
                f"optimizer has no numeric lr ({optimizer_lr!r})"
            )
        spec["lr"] = optimizer_lr * group.lr_scale
    if group.weight_decay is not None:
        spec["weight_decay"] = group.weight_decay
    return spec


def unused_lr_message(
    lr: Any, scheduler: LRSchedulerConfigBase | None, groups: Sequence[ParamGroupConfig]
) -> str | None:
    """The warning to give when the optimizer's ``lr`` is never used: an absolute global
    schedule sets every LR from step 0, and no group uses the ``lr`` (a group with its own
    ``lr`` uses it as the base of its ratio; a group kept constant or on a relative schedule
    of its own, as its LR). ``None`` when it is used."""
    first = scheduler.absolute_lr() if scheduler is not None else None
    if first is None or isinstance(lr, bool) or not isinstance(lr, int | float):
        return None
    for group in groups:
        own = group.scheduler
        if group.lr is not None or own is None:
            return None
        if not isinstance(own, str) and own.absolute_lr() is None:
            return None
    return (
        f"optimizer.lr={lr:g} is not used: scheduler {getattr(scheduler, 'name', '?')} sets "
        f"absolute learning rates from step 0 (first {first:g}); change the LRs in the "
        "schedule instead (a group's lr_scale still scales them)"
    )


def check_groups(groups: Sequence[ParamGroupConfig], no_weight_decay: Any, optimizer: Any) -> None:
    """The rules a list of groups follows (an ``OptimizationConfig``'s, under its
    ``no_weight_decay`` and ``optimizer``): unique names, none clashing with a
    ``<group>_no_decay`` sibling nshsched makes, and weight decay only for an optimizer that
    has it.

    Raises:
        ValueError: naming the group (``param_groups.<i>.name``) or the options at odds.
    """
    names = [g.name for g in groups]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise field_error(
                ("param_groups", i, "name"),
                f"param group name {quote(name, 80)} is used by more than one group",
                name,
                "give each group its own name",
            )
        seen.add(name)
    if no_weight_decay is not False:
        clash = sorted({n + NO_DECAY_SUFFIX for n in [*names, DEFAULT_GROUP]} & seen)
        if clash:
            raise ValueError(
                f"param group name(s) {clash} clash with the `<group>{NO_DECAY_SUFFIX}` groups "
                "that no_weight_decay=True creates; rename them"
            )
    decays = no_weight_decay is not False or any(g.weight_decay is not None for g in groups)
    if decays and "weight_decay" not in type(optimizer).model_fields:
        raise ValueError(
            f"optimizer {optimizer.name!r} has no weight_decay, but "
            f"no_weight_decay={no_weight_decay} or a group sets weight_decay"
        )
