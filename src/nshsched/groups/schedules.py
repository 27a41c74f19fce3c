"""Which schedule drives each torch param group: the global scheduler, a group's own
(``ParamGroupConfig.scheduler``), or none — composed into one ``per_group`` config, and
carried over to the ``_no_decay`` siblings and layer-decay parts a group is split into."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .param_group import NO_DECAY_SUFFIX, ParamGroupConfig
from .partition import base_group

if TYPE_CHECKING:
    from ..lr_scheduler.base import LRSchedulerConfigBase

__all__ = ["configured_group", "expand_parts", "group_schedule"]


def configured_group(name: str, *, layered: bool) -> str:
    """The group a torch group belongs to: ``head.layer3`` -> ``head`` with layer decay
    (``layered``; without it, names are taken as they are)."""
    return base_group(name) if layered else name


def group_schedule(
    scheduler: LRSchedulerConfigBase | None,
    param_groups: Sequence[ParamGroupConfig],
    group_names: list[str],
    *,
    layered: bool,
) -> tuple[LRSchedulerConfigBase | None, list[str]]:
    """The schedule driving the torch groups ``group_names``, and the configured groups
    that set their own (``[]``: the global ``scheduler`` as it is).

    With overrides it is a ``per_group`` config: ``default`` = the global scheduler, and
    each overriding group (and its ``_no_decay`` sibling) with its own schedule (``None``:
    constant); ``None`` when every group is constant.
    """
    # A torch group follows the configured group it belongs to (or is the _no_decay
    # sibling of); when it could belong to two, the later one wins. One pass over the
    # torch groups (10**4 groups: no product of the two lists).
    own = {
        g.name: (i, g.scheduler)
        for i, g in enumerate(param_groups)
        if not isinstance(g.scheduler, str)  # "inherit"
    }
    found: list[tuple[int, int, str, LRSchedulerConfigBase | None]] = []
    for position, name in enumerate(group_names if own else []):
        base = configured_group(name, layered=layered)
        matches = [own[base]] if base in own else []
        if base.endswith(NO_DECAY_SUFFIX) and base[: -len(NO_DECAY_SUFFIX)] in own:
            matches.append(own[base[: -len(NO_DECAY_SUFFIX)]])
        if matches:
            first, last = min(matches, key=_index), max(matches, key=_index)
            found.append((first[0], position, name, last[1]))
    # in the order of the configured groups, then of the torch groups
    overrides = {name: schedule for _, _, name, schedule in sorted(found, key=_order)}
    if not overrides:
        return expand_parts(scheduler, group_names, layered=layered), []
    overriding = [g.name for g in param_groups if not isinstance(g.scheduler, str)]
    if scheduler is None and all(v is None for v in overrides.values()):
        return None, overriding  # every group constant: nothing to schedule
    from ..lr_scheduler.composition import PerGroupSchedulerConfig

    default = expand_parts(scheduler, group_names, layered=layered)
    return PerGroupSchedulerConfig(default=default, groups=overrides), overriding


def _index(match: tuple[int, object]) -> int:
    return match[0]


def _order(entry: tuple[int, int, str, object]) -> tuple[int, int]:
    return entry[0], entry[1]


def expand_parts(
    config: LRSchedulerConfigBase | None, group_names: list[str], *, layered: bool
) -> LRSchedulerConfigBase | None:
    """A ``per_group`` config whose ``groups`` name configured groups, extended to the
    parts layer decay splits them into (``head`` -> ``head.layer0``, ...)."""
    groups = getattr(config, "groups", None)
    if (
        not layered
        or getattr(config, "runtime_kind", None) != "per_group"
        or not isinstance(groups, dict)
    ):
        return config
    split = [name for name in group_names if base_group(name) != name]
    expanded = dict(groups)
    for name in split:
        base = base_group(name)
        if base in groups and name not in groups:
            expanded[name] = groups[base]
    for base in {base_group(n) for n in split}:
        if base in expanded and base not in group_names:
            del expanded[base]
    return config.model_copy(update={"groups": expanded})  # type: ignore[union-attr]
