"""``--set key.path=value``: overrides applied to a config's plain data before validation."""

from __future__ import annotations

import re
from typing import Any

from ..loading.quote import quote, shorten
from ..loading.yaml_files import ConfigFileError, parse_scalar
from ._errors import CLIError, UsageError

__all__ = ["SET_HELP", "apply_override"]

_INDEX = re.compile(r"-?[0-9]{1,18}")

SET_HELP = (
    "override a value: a dotted path with list indices and a YAML value, e.g. "
    "--set warmup.value=0.1 --set intervals.0.lr=2e-4 (repeatable)"
)


def apply_override(data: Any, assignment: str) -> None:
    """Apply one ``--set key.path=value`` to plain config data, in place.

    The path is dotted, with list indices (``phases.0.duration.value``); missing mapping
    keys are created; the value is read as a YAML scalar (``1e-4`` is a float, ``null`` None).
    A malformed assignment or value is a :class:`UsageError`; a path that does not fit the
    data a :class:`CLIError`.

    Example:
        >>> data = {"phases": [{"duration": {"kind": "fraction", "value": 0.5}}]}
        >>> apply_override(data, "phases.0.duration.value=0.2")
        >>> apply_override(data, "warmup.kind=steps")
        >>> data
        {'phases': [{'duration': {'kind': 'fraction', 'value': 0.2}}], 'warmup': {'kind': 'steps'}}
    """
    key, sep, raw = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or any(not p for p in parts):
        raise UsageError(f"--set expects key.path=value, got {quote(assignment)}")
    key = shorten(key)
    try:
        value = parse_scalar(raw)
    except ConfigFileError as e:
        raise UsageError(f"--set {key}=...: {e}") from None
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        elif isinstance(node, list):
            if not _INDEX.fullmatch(part):
                raise CLIError(f"--set {key}: {quote(where)} indexes a list: use a number")
            index = int(part)
            if not -len(node) <= index < len(node):
                raise CLIError(
                    f"--set {key}: index {index} is out of range at {quote(where)} "
                    f"(the list has {len(node)} items)"
                )
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            parent = ".".join(parts[:i]) or "the config"
            raise CLIError(
                f"--set {key}: {shorten(parent)} holds {quote(node)}, not a mapping or a list"
            )
