"""Which schedule drives each torch param group: the global scheduler, a group's own
(``ParamGroupConfig.scheduler``), a ``per_group`` entry, or none — composed into one
``per_group`` config keyed by the torch groups' names, so a configured group's schedule
reaches every torch group it is split into (its ``_no_decay`` sibling, its layer-decay
parts, and theirs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .param_group import DEFAULT_GROUP, NO_DECAY_SUFFIX, ParamGroupConfig
from .partition import base_group

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["configured_group", "group_schedule"]


def configured_group(name: str, configured: set[str], *, layered: bool) -> str:
    """The configured group a torch group belongs to: ``head.layer3``, ``head_no_decay`` and
    ``head_no_decay.last`` -> ``head`` (layer parts only with layer decay: ``layered``). A
    configured group of that exact name wins (``x_no_decay`` configured by the user)."""
    base = base_group(name) if layered else name
    if base in configured or not base.endswith(NO_DECAY_SUFFIX):
        return base
    parent = base[: -len(NO_DECAY_SUFFIX)]
    return parent if parent in configured else base


def _rebuilt(per_group: Any, groups: Mapping[str, Any]) -> LRSchedulerConfigBase:
    """``per_group`` with ``groups`` replaced (validated again: a nested ``per_group`` is an
    error as in a config written by hand)."""
    fields = {key: getattr(per_group, key) for key in type(per_group).model_fields}
    return type(per_group).model_validate({**fields, "groups": dict(groups)})  # type: ignore[no-any-return]


def group_schedule(
    scheduler: LRSchedulerConfigBase | None,
    param_groups: Sequence[ParamGroupConfig],
    group_names: list[str],
    *,
    layered: bool,
) -> tuple[LRSchedulerConfigBase | None, list[str]]:
    """The schedule driving the torch groups ``group_names``, and the configured groups
    that set their own (``[]``: none does).

    Each torch group gets the schedule of the configured group it belongs to (see
    :func:`configured_group`): that group's own ``scheduler`` if it sets one (§5: it wins
    over the global one, ``per_group`` included), else, under a global ``per_group``, its
    entry in ``groups`` (an entry naming the torch group exactly comes first), else the
    global schedule. With a group's own schedule, or a ``per_group`` whose entries reach
    split groups, the result is a ``per_group`` config keyed by torch group names
    (``default`` = the global schedule, or the global ``per_group``'s default); ``None`` when
    every group is constant. A ``per_group`` entry that names no group stays, so that
    creating the scheduler reports it.
    """
    own = {g.name: g.scheduler for g in param_groups if not isinstance(g.scheduler, str)}
    per_group = scheduler if getattr(scheduler, "runtime_kind", None) == "per_group" else None
    listed: dict[str, Any] = dict(getattr(per_group, "groups", None) or {})
    configured = {g.name for g in param_groups} | {DEFAULT_GROUP}
    owners = {name: configured_group(name, configured, layered=layered) for name in group_names}
    groups: dict[str, LRSchedulerConfigBase | None] = {}
    overridden = False
    for name, owner in owners.items():
        if owner in own:
            groups[name] = own[owner]
            overridden = True
        elif name in listed:
            groups[name] = listed[name]
        elif owner in listed:
            groups[name] = listed[owner]
    reached = set(owners) | set(owners.values())
    for key, value in listed.items():  # a name that matches nothing: reported at creation
        if key not in reached:
            groups[key] = value
    overriding = [g.name for g in param_groups if not isinstance(g.scheduler, str)]
    if not overridden:
        if per_group is None or groups == listed:
            return scheduler, []
        return _rebuilt(per_group, groups), []
    if per_group is not None:
        return _rebuilt(per_group, groups), overriding
    if scheduler is None and all(v is None for v in groups.values()):
        return None, overriding  # every group constant: nothing to schedule
    from ..lr_scheduler.composition import PerGroupSchedulerConfig

    return PerGroupSchedulerConfig(default=scheduler, groups=groups), overriding
