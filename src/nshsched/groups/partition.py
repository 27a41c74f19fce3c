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
from typing import TYPE_CHECKING, Any

from .naming import glob_match, module_named_parameters, no_weight_decay_names

if TYPE_CHECKING:
    import torch

    from .optimization import OptimizationConfig

__all__ = ["DEFAULT_GROUP", "NO_DECAY_SUFFIX", "PART", "base_group", "torch_param_groups"]

DEFAULT_GROUP = "default"
"""The name of the group of parameters that no :class:`ParamGroupConfig` matches."""

NO_DECAY_SUFFIX = "_no_decay"
"""Suffix of the sibling group holding a group's 1-D parameters when ``no_weight_decay``."""

_SHOWN_NAMES = 8

PART = re.compile(r"\.(?:layer\d+|embeddings|last)$")
"""The suffix ``layer_decay`` adds to a group's name."""


def base_group(name: str) -> str:
    """The configured group a torch group belongs to (``head.layer3`` -> ``head``)."""
    return PART.sub("", name)


def _no_decay(
    config: OptimizationConfig, model: torch.nn.Module, named: list[tuple[str, Any]]
) -> set[str]:
    """The names that go to a ``_no_decay`` sibling besides 1-D parameters."""
    option = config.no_weight_decay
    if option is False:
        return set()
    names = {n for n, _ in named}
    out = no_weight_decay_names(model, config.module) & names
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
    config: OptimizationConfig,
    model: torch.nn.Module,
    named: list[tuple[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The torch param-group dicts (``name``, ``params``, and ``lr`` / ``weight_decay``
    where they differ from the optimizer's).

    Args:
        config: The optimization config.
        model: The model (wrappers are looked through).
        named: The ``(name, parameter)`` pairs this config owns (names relative to its
            ``module``); default: every parameter of ``config.module``.

    Raises:
        ValueError: a group's pattern matches no parameter, a parameter matches two groups,
            a ``no_weight_decay`` glob or the ``layer_decay`` regex matches nothing, or no
            parameter is trainable.
    """

    if named is None:
        named = module_named_parameters(model, config.module)
    all_names = [n for n, _ in named]
    for group in config.param_groups:
        for pattern in group.params:
            if not any(fnmatch.fnmatchcase(n, pattern) for n in all_names):
                raise ValueError(
                    f"param group {group.name!r}: pattern {pattern!r} matches no parameter "
                    f"of {type(model).__name__} (parameters: {_shown(all_names)})"
                )
    no_decay_names = _no_decay(config, model, named)
    trainable = [(n, p) for n, p in named if p.requires_grad]
    parts: dict[str, tuple[str, float]] = {}
    if config.layer_decay is not None:
        from .layer_decay import layer_parts

        parts = layer_parts(config.layer_decay, [n for n, _ in trainable])
    # (owner, no-decay?, part) -> parameters, in a stable order
    order = [g.name for g in config.param_groups] + [DEFAULT_GROUP]
    buckets: dict[tuple[str, bool, str], list[Any]] = {}
    scales: dict[str, float] = {}
    for pname, param in named:
        owners = [
            g.name
            for g in config.param_groups
            if any(fnmatch.fnmatchcase(pname, p) for p in g.params)
        ]
        if len(owners) > 1:
            raise ValueError(
                f"parameter {pname!r} is matched by param groups {owners[0]!r} and "
                f"{owners[1]!r}; make their patterns disjoint"
            )
        if not param.requires_grad:
            continue
        owner = owners[0] if owners else DEFAULT_GROUP
        decay_off = config.no_weight_decay is not False and (
            param.ndim <= 1 or pname in no_decay_names
        )
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
        spec = config.group_options(name)
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
                    base = spec.get("lr", getattr(config.optimizer, "lr", None))
                    if not isinstance(base, (int, float)):
                        raise ValueError(
                            f"layer_decay: the optimizer has no numeric lr ({base!r}) to scale"
                        )
                    entry["lr"] = base * scales[part]
                out.append(entry)
    if not out:
        raise ValueError(f"{type(model).__name__} has no parameter with requires_grad=True")
    return out
