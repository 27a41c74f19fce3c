"""Which parameters end in which torch param group, and each group's configured values
(API.md §5, §9; docs/param_groups.md, docs/beyond_lr.md).

- ``ParamGroupConfig.params`` globs (``fnmatch``, case-sensitive) match whole parameter names
  of the owned, trainable parameters; the unmatched rest is the group ``default``.
- ``no_weight_decay`` (``True`` or a list): parameters with ``ndim <= 1`` (reading of "1-D":
  biases and norm weights), the names every ``no_weight_decay()`` method returns (relative to
  the module that defines it, in the owned scope), and, for a list, its globs, go to the
  sibling ``<group>_no_decay`` whose ``weight_decay`` is 0.
- ``layer_decay``: ``layers`` searched in each name (first group = layer index ``i``,
  ``L`` = highest + 1 over the owned trainable parameters): factor ``rate ** (L - i)``, part
  ``.layer<i>``; else an ``embeddings`` glob: ``rate ** (L + 1)``, ``.embeddings``; else a
  ``last`` glob: ``rate``, ``.last``; else 1, no suffix. These globs (and ``no_weight_decay``'s)
  match the whole name or any dotted suffix of it.
- A group's base LR: its ``lr``, else the optimizer's ``lr * lr_scale``, else the optimizer's.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass


@dataclass
class Part:
    """One torch param group as the contract names it."""

    name: str
    group: str  # the configured group it belongs to ("default" for the rest)
    params: list[str]
    factor: float  # layer-decay factor of the LR
    no_decay: bool


def suffix_match(pattern: str, name: str) -> bool:
    """§9: a glob matches the whole name or any dotted suffix of it."""
    pieces = name.split(".")
    return any(fnmatch.fnmatchcase(".".join(pieces[i:]), pattern) for i in range(len(pieces)))


def owned_parameters(module, owned: set[str] | None) -> dict[str, object]:
    return {
        name: p
        for name, p in module.named_parameters()
        if p.requires_grad and (owned is None or name in owned)
    }


def _no_decay_names(config, module, params: dict[str, object]) -> set[str]:
    rule = config.no_weight_decay
    if rule is False:
        return set()
    names = {name for name, p in params.items() if p.ndim <= 1}
    for prefix, sub in module.named_modules():
        method = getattr(sub, "no_weight_decay", None)
        if callable(method):
            for n in method():
                full = f"{prefix}.{n}" if prefix else n
                if full in params:  # names that match nothing are ignored
                    names.add(full)
    if isinstance(rule, list):
        for pattern in rule:
            names |= {name for name in params if suffix_match(pattern, name)}
    return names


def _layer_parts(config, params: dict[str, object]) -> dict[str, tuple[str, float]]:
    """Each parameter's part suffix and LR factor (all ``("", 1.0)`` without layer decay)."""
    decay = config.layer_decay
    if decay is None:
        return dict.fromkeys(params, ("", 1.0))
    regex = re.compile(decay.layers)
    layer = {}
    for name in params:
        found = regex.search(name)
        if found:
            layer[name] = int(found.group(1))
    top = max(layer.values()) + 1  # L
    out = {}
    for name in params:
        if name in layer:
            out[name] = (f"layer{layer[name]}", decay.rate ** (top - layer[name]))
        elif any(suffix_match(p, name) for p in decay.embeddings):
            out[name] = ("embeddings", decay.rate ** (top + 1))
        elif any(suffix_match(p, name) for p in decay.last):
            out[name] = ("last", decay.rate)
        else:
            out[name] = ("", 1.0)
    return out


def partition(config, module, owned: set[str] | None = None) -> list[Part]:
    """The torch param groups of ``config`` over ``module`` (names relative to it)."""
    params = owned_parameters(module, owned)
    group_of = {}
    for name in params:
        hits = [
            g.name
            for g in config.param_groups
            if any(fnmatch.fnmatchcase(name, p) for p in g.params)
        ]
        if len(hits) > 1:
            raise AssertionError(f"generated an overlap: {name} in {hits}")
        group_of[name] = hits[0] if hits else "default"
    no_decay = _no_decay_names(config, module, params)
    layer = _layer_parts(config, params)
    parts: dict[str, Part] = {}
    for name in params:
        group = group_of[name]
        base = f"{group}_no_decay" if name in no_decay else group
        suffix, factor = layer[name]
        key = f"{base}.{suffix}" if suffix else base
        if key not in parts:
            parts[key] = Part(key, group, [], factor, name in no_decay)
        parts[key].params.append(name)
    return list(parts.values())


def base_lr(config, group: str) -> float:
    lr = config.optimizer.lr
    for g in config.param_groups:
        if g.name == group:
            if g.lr is not None:
                return g.lr
            if g.lr_scale is not None:
                return lr * g.lr_scale
    return lr


def optimizer_values(optimizer_cfg) -> dict[str, float]:
    """The optimizer's numeric defaults as param-group keys (``betas.0`` for a tuple's item)."""
    out = {}
    for field in type(optimizer_cfg).model_fields:
        value = getattr(optimizer_cfg, field)
        if field in ("name", "lr") or value is None or isinstance(value, (bool, str)):
            continue
        if isinstance(value, (int, float)):
            out[field] = float(value)
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                if isinstance(item, (int, float)) and not isinstance(item, bool):
                    out[f"{field}.{i}"] = float(item)
    return out


def configured_values(config, part: Part) -> dict[str, float]:
    """Every numeric key of ``part`` as configured (before any schedule)."""
    values = optimizer_values(config.optimizer)
    if "weight_decay" in values:
        if part.no_decay:
            values["weight_decay"] = 0.0
        else:
            for g in config.param_groups:
                if g.name == part.group and g.weight_decay is not None:
                    values["weight_decay"] = g.weight_decay
    return values
