"""pydantic's line errors, cleaned where they are made: the locations a person writes
(no union branch, no tagged union's tag), one error for a value no union branch accepts,
and messages with a fix (:mod:`nshsched.config.error_fixes`). Every config runs
:func:`clean_errors` on its own errors (see :mod:`nshsched.config.base`)."""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from ..loading.quote import QUOTE_LIMIT, shorten
from .error_fixes import (
    DURATION_FORM,
    LINE_LIMIT,
    cap_message,
    custom_error,
    describe_branch,
    duration_mismatch,
    extra_field,
    field_annotation,
    is_duration,
    plain_message,
    unknown_kind,
)

__all__ = ["clean_errors"]

_KNOWN_TYPES = frozenset(typing.get_args(core_schema.ErrorType))
"""pydantic's own error types (an error of another type is rebuilt as a custom one)."""

_MISMATCH = frozenset(
    {"literal_error", "int_from_float", "model_attributes_type", "model_type", "registry_type"}
)
"""Error types that say only "the input has another shape" (besides ``*_type`` and
``*_parsing``): noise for a union branch when another branch explains the input."""

_TYPE_NAMES = frozenset(
    {"int", "float", "str", "bool", "none", "bytes", "list", "dict", "tuple", "set", "any"}
)


@dataclass
class _Entry:
    loc: tuple[Any, ...]
    error: Mapping[str, Any]
    labels: list[str] = field(default_factory=list)
    """The union branches dropped from the location."""
    branch_root: bool = False
    """The error is about a union branch's input itself (not something inside it)."""

    @property
    def noise(self) -> bool:
        kind = self.error["type"]
        mismatch = kind in _MISMATCH or kind.endswith(("_type", "_parsing"))
        return self.branch_root and mismatch and not _processed(self.error)


def _processed(e: Mapping[str, Any]) -> bool:
    return "problem" in (e.get("ctx") or {})


def clean_errors(
    errors: Sequence[Mapping[str, Any]], *, data: Any = None, model: type | None = None
) -> list[InitErrorDetails]:
    """pydantic's line errors (``error.errors()``) rewritten for a person.

    Args:
        errors: The line errors.
        data: The input they are about (keys are told from union branches by it).
        model: The config class validated (its fields name misspellings and describe
            what a field expects).

    Returns:
        Line errors for ``ValidationError.from_exception_data``: union branches dropped
        from locations, the branches of a value that fits none merged into one error,
        and messages given a fix where one is known (``ctx``: ``problem``, ``fix``).
        Errors already rewritten are kept (this runs at every level of a nested config).
    """
    entries = [_entry(e, data) for e in errors]
    explained = [en.loc for en in entries if not en.noise]
    out: list[InitErrorDetails | tuple[Any, ...]] = []
    merged: dict[tuple[Any, ...], list[_Entry]] = {}
    for en in entries:
        if not en.noise:
            out.append(_rewrite(en, model))
        elif not any(q[: len(en.loc)] == en.loc for q in explained):
            if en.loc not in merged:
                out.append(en.loc)  # a place holder keeps the order
            merged.setdefault(en.loc, []).append(en)
    return [_merge(item, merged[item], model) if isinstance(item, tuple) else item for item in out]


def _entry(e: Mapping[str, Any], data: Any) -> _Entry:
    """The location with union branches (and a tagged union's tag) dropped."""
    kept: list[Any] = []
    labels: list[str] = []
    since_label = -1
    node = data
    known = data is not None
    for part in e["loc"]:
        if _is_key(part, node, known, labels and since_label == 0 and labels[-1]):
            kept.append(shorten(part, QUOTE_LIMIT) if isinstance(part, str) else part)
            node, known = _child(node, part)
            if since_label >= 0:
                since_label += 1
        else:
            labels.append(str(part))
            since_label = 0
    return _Entry(tuple(kept), e, labels, since_label == 0)


def _is_key(part: Any, node: Any, known: bool, after_label: Any) -> bool:
    if not isinstance(part, str):
        return True  # an index
    if known:
        if isinstance(node, Mapping) and part in node:
            return True
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            return True
    if _label_like(part):
        return False
    # A tagged union's tag right after its label: the value of the input's discriminator.
    if isinstance(after_label, str) and after_label.startswith("tagged-union["):
        return not (isinstance(node, Mapping) and part in node.values())
    return True


def _label_like(part: str) -> bool:
    return part in _TYPE_NAMES or any(c in part for c in "[]()-,'\" ")


def _child(node: Any, part: Any) -> tuple[Any, bool]:
    if isinstance(node, Mapping):
        return (node[part], True) if part in node else (None, False)
    if isinstance(node, list | tuple) and isinstance(part, int):
        return (node[part], True) if -len(node) <= part < len(node) else (None, False)
    if isinstance(node, BaseModel) and isinstance(part, str) and part in type(node).model_fields:
        return getattr(node, part), True
    return None, False


def _init(en: _Entry, kind: Any) -> InitErrorDetails:
    out: InitErrorDetails = {"type": kind, "loc": en.loc, "input": en.error.get("input")}
    return out


def _keep(en: _Entry) -> InitErrorDetails:
    """The error as it is, at its clean location."""
    e = en.error
    if e["type"] in _KNOWN_TYPES and not _processed(e):
        out = _init(en, e["type"])
        if e.get("ctx"):
            out["ctx"] = dict(e["ctx"])
        return out
    ctx = dict(e.get("ctx") or {})
    return _init(
        en, PydanticCustomError(e["type"], cap_message(str(e["msg"]), LINE_LIMIT), ctx or None)
    )


def _rewrite(en: _Entry, model: type | None) -> InitErrorDetails:
    e = en.error
    kind = e["type"]
    if _processed(e):
        return _keep(en)
    field_type = field_annotation(model, en.loc)
    if kind == "extra_forbidden":
        return _init(en, extra_field(en.loc, model))
    if kind in ("value_error", "assertion_error"):
        return _init(en, custom_error(kind, plain_message(e)))
    if kind == "union_tag_invalid":
        return _init(en, unknown_kind(e))
    if kind == "union_tag_not_found":
        disc = str((e.get("ctx") or {}).get("discriminator", "")).strip("'")
        if any("StepsConfig" in label for label in en.labels) or is_duration(field_type):
            fix = f"write {DURATION_FORM}"
            return _init(en, custom_error(kind, f"a duration needs `{disc}`", fix))
        return _init(en, custom_error(kind, f"missing the discriminator `{disc}`"))
    if kind in ("model_attributes_type", "model_type") and is_duration(field_type):
        return _init(en, duration_mismatch(en.loc, e.get("input"), model, whole_number=False))
    return _keep(en)


def _merge(loc: tuple[Any, ...], group: list[_Entry], model: type | None) -> InitErrorDetails:
    """Every branch of a union refused the input: one error saying what is expected."""
    first = group[0]
    value = first.error.get("input")
    labels = [en.labels[-1] for en in group if en.labels]
    if any("StepsConfig" in label for label in labels):
        whole = any(label in ("int", "constrained-int") for label in labels)
        return _init(first, duration_mismatch(loc, value, model, whole_number=whole))
    wanted: list[str] = []
    for en in group:
        text = describe_branch(en.labels[-1] if en.labels else "", en.error)
        if text not in wanted:
            wanted.append(text)
    return _init(first, custom_error("wrong_type", "expected " + " or ".join(wanted)))
