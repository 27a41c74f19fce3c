"""From an :class:`~nshsched.OptimizationConfig` and a model to torch param-group dicts.

Names are the unwrapped model's (:mod:`nshsched.groups.naming`), relative to the config's
``module``. Each parameter goes to the configured group whose globs match it (else
``default``), to that group's ``_no_decay`` sibling when ``no_weight_decay`` says so, and,
with ``layer_decay``, to a part of it (``.layer<i>``, ``.embeddings``, ``.last``) whose LR is
scaled by the layer's factor.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .layer_decay import LayerDecayConfig, layer_parts
from .naming import glob_match, module_named_parameters, no_weight_decay_names
from .param_group import DEFAULT_GROUP, NO_DECAY_SUFFIX, ParamGroupConfig, group_options

if TYPE_CHECKING:
    import torch

__all__ = ["PART", "base_group", "torch_param_groups"]

_SHOWN_NAMES = 8

PART = re.compile(r"\.(?:layer\d+|embeddings|last)$")
"""The suffix ``layer_decay`` adds to a group's name."""


def base_group(name: str) -> str:
    """The configured group a torch group belongs to (``head.layer3`` -> ``head``)."""
    return PART.sub("", name)


def _no_decay(
    option: bool | list[str],
    model: torch.nn.Module,
    module: str | None,
    named: list[tuple[str, Any]],
) -> set[str]:
    """The names that go to a ``_no_decay`` sibling besides 1-D parameters."""
    if option is False:
        return set()
    names = {n for n, _ in named}
    out = no_weight_decay_names(model, module) & names
    if isinstance(option, list):
        for pattern in option:
            hits = {n for n in names if glob_match(n, pattern)}
            if not hits:
                raise ValueError(
                    f"no_weight_decay: pattern {pattern[:200]!r} matches no parameter "
                    f"(parameters: {_shown(sorted(names))})"
                )
            out |= hits
    return out


def _shown(names: list[str]) -> str:
    more = f", ... ({len(names)} in all)" if len(names) > _SHOWN_NAMES else ""
    return ", ".join(names[:_SHOWN_NAMES]) + more


def torch_param_groups(
    model: torch.nn.Module,
    *,
    groups: Sequence[ParamGroupConfig] = (),
    optimizer_lr: Any = None,
    no_weight_decay: bool | list[str] = False,
    layer_decay: LayerDecayConfig | None = None,
    module: str | None = None,
    named: list[tuple[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The torch param-group dicts (``name``, ``params``, and ``lr`` / ``weight_decay``
    where they differ from the optimizer's).

    Args:
        model: The model (wrappers are looked through).
        groups: The configured groups (``OptimizationConfig.param_groups``).
        optimizer_lr: The optimizer's ``lr``, the base of ``lr_scale`` and layer decay.
        no_weight_decay: ``OptimizationConfig.no_weight_decay``.
        layer_decay: ``OptimizationConfig.layer_decay``.
        module: The submodule whose parameters are grouped (``None``: the whole model).
        named: The ``(name, parameter)`` pairs to group (names relative to ``module``);
            default: every parameter of ``module``.

    Raises:
        ValueError: a group's pattern matches no parameter, a parameter matches two groups,
            a ``no_weight_decay`` glob or the ``layer_decay`` regex matches nothing, or no
            parameter is trainable.
    """

    if named is None:
        named = module_named_parameters(model, module)
    all_names = [n for n, _ in named]
    for group in groups:
        for pattern in group.params:
            if not any(fnmatch.fnmatchcase(n, pattern) for n in all_names):
                raise ValueError(
                    f"param group {group.name!r}: pattern {pattern!r} matches no parameter "
                    f"of {type(model).__name__} (parameters: {_shown(all_names)})"
                )
    no_decay_names = _no_decay(no_weight_decay, model, module, named)
    trainable = [(n, p) for n, p in named if p.requires_grad]
    parts: dict[str, tuple[str, float]] = {}
    if layer_decay is not None:
        parts = layer_parts(layer_decay, [n for n, _ in trainable])
    # (owner, no-decay?, part) -> parameters, in a stable order
    order = [g.name for g in groups] + [DEFAULT_GROUP]
    by_name = {g.name: g for g in groups}
    buckets: dict[tuple[str, bool, str], list[Any]] = {}
    scales: dict[str, float] = {}
    for pname, param in named:
        owners = [g.name for g in groups if any(fnmatch.fnmatchcase(pname, p) for p in g.params)]
        if len(owners) > 1:
            raise ValueError(
                f"parameter {pname!r} is matched by param groups {owners[0]!r} and "
                f"{owners[1]!r}; make their patterns disjoint"
            )
        if not param.requires_grad:
            continue
        owner = owners[0] if owners else DEFAULT_GROUP
        decay_off = no_weight_decay is not False and (param.ndim <= 1 or pname in no_decay_names)
        part, scale = parts.get(pname, ("", 1.0))
        scales[part] = scale
        buckets.setdefault((owner, decay_off, part), []).append(param)

    def part_key(part: str) -> tuple[int, int]:
        if part == "":
            return (0, 0)
        if part == ".embeddings":
            return (1, 0)
        if part == ".last":
            return (3, 0)
        return (2, int(part[len(".layer") :]))

    out: list[dict[str, Any]] = []
    for name in order:
        spec = group_options(by_name.get(name), optimizer_lr)
        entry: dict[str, Any]
        for decay_off in (False, True):
            keys = sorted(
                (k for k in buckets if k[0] == name and k[1] == decay_off),
                key=lambda k: part_key(k[2]),
            )
            for key in keys:
                part = key[2]
                entry = {
                    "name": name + (NO_DECAY_SUFFIX if decay_off else "") + part,
                    "params": buckets[key],
                    **spec,
                }
                if decay_off:
                    entry["weight_decay"] = 0.0
                if part:
                    base = spec.get("lr", optimizer_lr)
                    if not isinstance(base, (int, float)):
                        raise ValueError(
                            f"layer_decay: the optimizer has no numeric lr ({base!r}) to scale"
                        )
                    entry["lr"] = base * scales[part]
                out.append(entry)
    if not out:
        raise ValueError(f"{type(model).__name__} has no parameter with requires_grad=True")
    return out
