"""Which schedule drives each torch param group: the global scheduler, a group's own
(``ParamGroupConfig.scheduler``), a ``per_group`` entry, or none — composed into one
``per_group`` config keyed by the torch groups' names, so a configured group's schedule
reaches every torch group it is split into (its ``_no_decay`` sibling, its layer-decay
parts, and theirs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .param_group import NO_DECAY_SUFFIX, ParamGroupConfig
from .partition import base_group

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["configured_group", "group_schedule"]


def configured_group(name: str, *, layered: bool) -> str:
    """The group a torch group is a part of: ``head.layer3`` -> ``head`` with layer decay
    (``layered``; without it, names are taken as they are). ``head_no_decay`` may belong
    to ``head`` too: see :func:`group_schedule`."""
    return base_group(name) if layered else name


def _parent(base: str) -> str | None:
    """``head`` for ``head_no_decay`` (the group whose no-decay sibling it may be)."""
    return base[: -len(NO_DECAY_SUFFIX)] if base.endswith(NO_DECAY_SUFFIX) else None


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

    A torch group belongs to the configured group it is a part of (``head.layer3`` ->
    ``head`` with layer decay) or the ``_no_decay`` sibling of (``head_no_decay`` ->
    ``head``); when it could belong to two configured groups, the later one wins. It gets
    that group's own ``scheduler`` if it sets one (§5: it wins over the global one,
    ``per_group`` included), else, under a global ``per_group``, its entry in ``groups`` (an
    entry naming the torch group exactly comes first, then its group, then the group it is
    the sibling of), else the global schedule. With a group's own schedule, or a
    ``per_group`` whose entries reach split groups, the result is a ``per_group`` config
    keyed by torch group names (``default`` = the global schedule, or the global
    ``per_group``'s default); ``None`` when every group is constant. A ``per_group`` entry
    that names no group stays, so that creating the scheduler reports it.

    One pass over the torch groups (10**4 groups: no product of the two lists).
    """
    own = {
        g.name: (i, g.scheduler)
        for i, g in enumerate(param_groups)
        if not isinstance(g.scheduler, str)  # "inherit"
    }
    per_group = scheduler if getattr(scheduler, "runtime_kind", None) == "per_group" else None
    listed: dict[str, Any] = dict(getattr(per_group, "groups", None) or {})
    found: list[tuple[int, int, str, LRSchedulerConfigBase | None]] = []
    from_list: dict[str, Any] = {}
    reached: set[str] = set()
    for position, name in enumerate(group_names if (own or listed) else []):
        base = configured_group(name, layered=layered)
        parent = _parent(base)
        reached.update(n for n in (name, base, parent) if n is not None)
        matches = [own[n] for n in (base, parent) if n is not None and n in own]
        if matches:
            first = min(index for index, _ in matches)
            _, schedule = max(matches, key=lambda match: match[0])
            found.append((first, position, name, schedule))
            continue
        for key in (name, base, parent):
            if key is not None and key in listed:
                from_list[name] = listed[key]
                break
    # own schedules in the order of the configured groups, then of the torch groups
    groups: dict[str, Any] = {n: s for _, _, n, s in sorted(found, key=lambda f: f[:2])}
    groups.update(from_list)
    groups.update({k: v for k, v in listed.items() if k not in reached})  # reported later
    overriding = [g.name for g in param_groups if not isinstance(g.scheduler, str)]
    if not found:
        if per_group is None or groups == listed:
            return scheduler, []
        return _rebuilt(per_group, groups), []
    if per_group is not None:
        return _rebuilt(per_group, groups), overriding
    if scheduler is None and all(v is None for v in groups.values()):
        return None, overriding  # every group constant: nothing to schedule
    from ..lr_scheduler.composition import PerGroupSchedulerConfig

    return PerGroupSchedulerConfig(default=scheduler, groups=groups), overriding
