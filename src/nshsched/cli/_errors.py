"""The command's errors and how pydantic validation errors are shown."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..loading.quote import QUOTE_LIMIT, quote, shorten

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["MAX_ERRORS_SHOWN", "CLIError", "UsageError", "cap_message", "format_validation_error"]

MAX_ERRORS_SHOWN = 20
"""The most validation errors listed; the rest are counted."""


class CLIError(Exception):
    """A mistake in the command's input: printed without a traceback, exit code 1."""


class UsageError(CLIError):
    """A command-line usage mistake: exit code 2."""


_TYPE_MISMATCH = ("_type", "_parsing")
_LONG_RUN = re.compile(rf"\S{{{QUOTE_LIMIT + 1},}}")


def cap_message(text: str, limit: int = 4 * QUOTE_LIMIT) -> str:
    """A message from elsewhere (pydantic, a validator) with any run of more than
    ~200 non-space characters cut, and the whole cut to ``limit`` characters."""
    return shorten(_LONG_RUN.sub(lambda m: shorten(m.group(), QUOTE_LIMIT), text), limit)


def _clean_loc(loc: Sequence[Any], data: Any, kind: str = "") -> tuple[list[str], bool]:
    """An error location as a path into the data, and whether it went through a union.

    pydantic adds the branch of a union (``constrained-int``, ``tagged-union[...]``) and the
    tag of a tagged-union member (``fraction``) to the location; they are not keys of the
    input, so they are dropped: ``warmup.fraction.value`` -> ``warmup.value``.
    """
    path: list[str] = []
    through_union = False
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping):
            if part in node or (last and kind == "missing"):
                path.append(shorten(str(part), 60))
                node = node.get(part)
                continue
        elif isinstance(node, list) and isinstance(part, int):
            path.append(str(part))
            node = node[part] if -len(node) <= part < len(node) else None
            continue
        elif data is None:
            path.append(shorten(str(part), 60))
            continue
        through_union = True
    return path, through_union


def format_validation_error(error: ValidationError, data: Any = None) -> str:
    """Every error of ``error`` on its own line, with its path into ``data``."""
    entries = []
    for e in error.errors(include_url=False):
        parts, through_union = _clean_loc(e["loc"], data, e["type"])
        # A union branch that fails only because the input has another shape (the int
        # branch of `int | duration` given a mapping) is noise when another error explains
        # the same place.
        noise = through_union and (
            e["type"].endswith(_TYPE_MISMATCH) or e["type"] == "literal_error"
        )
        entries.append((".".join(parts), e, noise))
    explained = [p for p, _, noise in entries if not noise]
    entries = [
        entry
        for entry in entries
        if not (
            entry[2]
            and any(
                q == entry[0] or q.startswith(entry[0] + ".") or not entry[0] for q in explained
            )
        )
    ]
    lines = [f"{len(entries)} validation error(s):"]
    for path, e, _ in entries[:MAX_ERRORS_SHOWN]:
        line = f"  {shorten(path, 2 * QUOTE_LIMIT) or '(top level)'}: {cap_message(e['msg'])}"
        if e["type"] not in ("missing", "unknown_tag") and "input" in e:
            line += f" (got {quote(e['input'], 60)})"
        lines.append(line)
    if len(entries) > MAX_ERRORS_SHOWN:
        lines.append(f"  ... and {len(entries) - MAX_ERRORS_SHOWN} more")
    return "\n".join(lines)
