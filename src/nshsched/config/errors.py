"""Validation errors a person can act on: one format, whatever the entry point.

Every way a config is validated — a constructor, ``model_validate``, an assignment,
``registry.construct``, ``TypeAdapter(S.LRSchedulerConfig)``, a YAML/JSON file, an OmegaConf
``DictConfig``, LightningCLI, the ``nshsched`` command — ends in the two functions here:

- :func:`clean_errors` rewrites pydantic's line errors where they are made (every
  :class:`~nshsched.Config` runs it on its own errors, so a config nested in a user's own
  pydantic model reports the same): union branches leave the location (``warmup``, never
  ``warmup.int`` or ``warmup.tagged-union[...]``), a value that matches no branch of a union
  is one error saying what is expected, a misspelled field gets ``did you mean``, and a
  number given where a duration is expected says how to write one.
- :class:`ConfigValidationError`, the ``pydantic.ValidationError`` raised to the caller,
  titled with the config's class (or the file's name), whose ``str`` is one line per
  problem: its path, what is wrong, the value given (quoted, at most ~200 characters) and
  the fix where one is known. ``error.errors()`` stays pydantic's structured list
  (``loc``, ``type``, ``msg``, ``input``, and ``ctx`` with ``problem`` and ``fix`` where
  nshsched wrote them).

Example:
    >>> import nshsched as S
    >>> try:
    ...     S.OptimizationConfig.model_validate({
    ...         "optimizer": {"name": "adamw", "lr": 3e-4, "weight_dacay": 0.01},
    ...         "scheduler": {"name": "cosine", "warmup": 0.1}})
    ... except S.ConfigValidationError as error:
    ...     print(error)
    ...     print(error.errors()[0]["loc"], error.errors()[0]["type"])
    2 validation errors for OptimizationConfig
      optimizer.weight_dacay: not a field of AdamWConfig (got 0.01); did you mean 'weight_decay'?
      scheduler.warmup: expected a whole number of scheduler steps or a duration {kind: steps|epochs|fraction, value: ...} (got 0.1); for 10% of training write {kind: fraction, value: 0.1}, or warmup_ratio: 0.1
    ('optimizer', 'weight_dacay') extra_forbidden
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from ..loading.limits import MAX_DEPTH
from ..loading.quote import QUOTE_LIMIT, quote, shorten

__all__ = [
    "LINE_LIMIT",
    "MAX_ERRORS_SHOWN",
    "ConfigValidationError",
    "cap_message",
    "check_depth",
    "clean_errors",
    "error_lines",
    "field_error",
    "format_error",
    "retitle",
    "titled",
]

MAX_ERRORS_SHOWN = 20
"""The most problems ``str(error)`` lists; the rest are counted."""

_VALUE_SHOWN = 80
"""The most characters of a value quoted after ``got``."""

_KEY_SHOWN = 60
"""The most characters of one key shown in a path."""

LINE_LIMIT = 1200
"""The most characters of one problem's line (a list of registered tags is long)."""


class ConfigValidationError(ValidationError):
    """A ``pydantic.ValidationError`` about an nshsched config, written for a person.

    ``str(error)`` is the title line (``2 validation errors for OptimizationConfig``), then
    one line per problem (at most :data:`MAX_ERRORS_SHOWN`)::

        <path>: <what is wrong> (got <value>); <fix>

    ``error.errors()``, ``error.title`` and ``error.error_count()`` are pydantic's.
    """

    def __str__(self) -> str:
        return format_error(self)

    def __repr__(self) -> str:
        return format_error(self)


# ---------------------------------------------------------------------- raising


def retitle(
    error: ValidationError, title: str, *, data: Any = None, model: type | None = None
) -> ConfigValidationError:
    """``error`` as a :class:`ConfigValidationError` titled ``title``, its line errors
    cleaned (see :func:`clean_errors`; already clean ones are kept as they are)."""
    line_errors = clean_errors(error.errors(include_url=False), data=data, model=model)
    return ConfigValidationError.from_exception_data(shorten(title), line_errors)


@contextlib.contextmanager
def titled(title: str, *, data: Any = None, model: type | None = None) -> Iterator[None]:
    """A block whose ``ValidationError`` leaves it as a :class:`ConfigValidationError`
    titled ``title`` (the entry points: constructors, files, ``construct``, the CLI)."""
    try:
        yield
    except ValidationError as e:
        raise retitle(e, title, data=data, model=model) from None


def field_error(
    loc: str | Sequence[str | int],
    problem: str,
    value: Any,
    fix: str | None = None,
    *,
    quoted: bool = True,
) -> ValidationError:
    """An error located at ``loc`` (a field name or a path), to raise in a validator: a
    rule linking two fields is then reported at the field to change, not at the config.

    Args:
        loc: The field (or path) to change.
        problem: What is wrong.
        value: The value given (``input`` of the error).
        fix: How to fix it, where known.
        quoted: ``problem`` already shows the value (no ``(got ...)`` is added).

    Example:
        >>> error = field_error("warmup", "warmup=20 must be <= total=10", 20, "shorten it")
        >>> error.errors()[0]["loc"], error.errors()[0]["msg"]
        (('warmup',), 'warmup=20 must be <= total=10; shorten it')
    """
    where = (loc,) if isinstance(loc, str) else tuple(loc)
    kind = _custom("value_error", problem, fix, **({"quoted": True} if quoted else {}))
    return ValidationError.from_exception_data(
        "field_error", [{"type": kind, "loc": where, "input": value}]
    )


# ---------------------------------------------------------------------- formatting


def format_error(error: ValidationError, *, limit: int = MAX_ERRORS_SHOWN) -> str:
    """The title line, then one line per problem (at most ``limit``, then a count)."""
    count = error.error_count()
    head = f"{count} validation error{'s' if count != 1 else ''} for {shorten(error.title)}"
    return "\n".join([head, *("  " + line for line in error_lines(error, limit=limit))])


def error_lines(error: ValidationError, *, limit: int = MAX_ERRORS_SHOWN) -> list[str]:
    """One line per problem of ``error``: ``path: what is wrong (got value); fix``."""
    details = error.errors(include_url=False)
    lines = [_line(e) for e in details[:limit]]
    if len(details) > limit:
        lines.append(f"... and {len(details) - limit} more")
    return lines


def _line(e: Mapping[str, Any]) -> str:
    path = render_path(e["loc"])
    ctx = e.get("ctx") or {}
    problem = str(ctx["problem"]) if "problem" in ctx else _plain_message(e)
    fix = ctx.get("fix")
    got = f" (got {quote(e['input'], _VALUE_SHOWN)})" if _shows_input(e) else ""
    text = f"{problem}{got}" + (f"; {fix}" if fix else "")
    return cap_message(f"{path}: {text}" if path else text, LINE_LIMIT)


def render_path(loc: Sequence[Any]) -> str:
    """A location as a dotted path (``scheduler.intervals.0.lr``), every key bounded."""
    return shorten(".".join(shorten(str(p), _KEY_SHOWN) for p in loc), 2 * QUOTE_LIMIT)


_NO_INPUT_TYPES = frozenset({"missing", "unknown_tag", "missing_tag", "unregistered_class"})


def _shows_input(e: Mapping[str, Any]) -> bool:
    if e["type"] in _NO_INPUT_TYPES or "input" not in e:
        return False
    ctx = e.get("ctx") or {}
    if ctx.get("quoted") or "got " in str(ctx.get("problem", e["msg"])):
        return False  # the message quotes the value itself
    # a whole mapping or config (a rule between fields): the message names the values
    return not isinstance(e["input"], Mapping | BaseModel)


_LONG_RUN = re.compile(rf"\S{{{QUOTE_LIMIT + 1},}}")


def cap_message(text: str, limit: int = 4 * QUOTE_LIMIT) -> str:
    """A message with any run of more than ~200 non-space characters cut, and the whole
    cut to ``limit`` characters."""
    return shorten(_LONG_RUN.sub(lambda m: shorten(m.group(), QUOTE_LIMIT), text), limit)


def _plain_message(e: Mapping[str, Any]) -> str:
    msg = str(e["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


# ---------------------------------------------------------------------- depth


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse Python data nested more than ``limit`` levels of mappings/lists (a
    ``ValueError``, never a ``RecursionError``), without recursion; each container is
    visited once (a cycle ends there: pydantic reports it)."""
    if not isinstance(data, Mapping | list | tuple):
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > limit:
            raise ValueError(
                f"more than {limit} levels of nested lists/mappings: refused (a config is "
                "a few levels deep)"
            )
        children = node.values() if isinstance(node, Mapping) else node
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, Mapping | list | tuple)
        )


# ---------------------------------------------------------------------- cleaning

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

_DURATION_FORM = "{kind: steps|epochs|fraction, value: ...}"


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


def _custom(kind: str, problem: str, fix: str | None = None, **extra: Any) -> PydanticCustomError:
    problem = cap_message(problem, LINE_LIMIT)
    ctx: dict[str, Any] = {"problem": problem, **extra}
    if fix:
        ctx["fix"] = cap_message(fix)
    return PydanticCustomError(kind, problem + (f"; {ctx['fix']}" if fix else ""), ctx)


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
    field_type = _field_annotation(model, en.loc)
    if kind == "extra_forbidden":
        return _init(en, _extra_field(en, model))
    if kind in ("value_error", "assertion_error"):
        return _init(en, _custom(kind, _plain_message(e)))
    if kind == "union_tag_invalid":
        return _init(en, _unknown_kind(e))
    if kind == "union_tag_not_found":
        disc = str((e.get("ctx") or {}).get("discriminator", "")).strip("'")
        if any("StepsConfig" in label for label in en.labels) or _is_duration(field_type):
            return _init(en, _custom(kind, f"a duration needs `{disc}`", f"write {_DURATION_FORM}"))
        return _init(en, _custom(kind, f"missing the discriminator `{disc}`"))
    if kind in ("model_attributes_type", "model_type") and _is_duration(field_type):
        return _init(en, _duration_mismatch(en.loc, e.get("input"), model, whole_number=False))
    return _keep(en)


def _merge(loc: tuple[Any, ...], group: list[_Entry], model: type | None) -> InitErrorDetails:
    """Every branch of a union refused the input: one error saying what is expected."""
    first = group[0]
    value = first.error.get("input")
    labels = [en.labels[-1] for en in group if en.labels]
    if any("StepsConfig" in label for label in labels):
        whole = any(label in ("int", "constrained-int") for label in labels)
        return _init(first, _duration_mismatch(loc, value, model, whole_number=whole))
    wanted: list[str] = []
    for en in group:
        text = _describe(en)
        if text not in wanted:
            wanted.append(text)
    return _init(first, _custom("wrong_type", "expected " + " or ".join(wanted)))


def _describe(en: _Entry) -> str:
    """What one union branch accepts, in words."""
    ctx = en.error.get("ctx") or {}
    if "expected" in ctx and en.error["type"] != "literal_error":
        return str(ctx["expected"])
    label = en.labels[-1] if en.labels else ""
    simple = {
        "int": "a whole number",
        "float": "a number",
        "str": "a string",
        "bool": "true or false",
        "none": "null",
    }
    if label in simple:
        return simple[label]
    if label.startswith("literal["):
        return "one of " + label[len("literal[") : -1] if "," in label else label[8:-1]
    if label.startswith(("list[", "tuple[", "set[")):
        inner = label[label.index("[") + 1 : -1]
        if inner.endswith(("constrained-float]", "float")) or inner == "float":
            return "a list of numbers"
        if inner == "str":
            return "a list of strings"
        return "a list"
    if label.startswith("dict["):
        return "a mapping"
    msg = _plain_message(en.error)
    msg = re.sub(r"^Input should be (a valid )?", "", msg).split(",")[0]
    return msg or label


# ---------------------------------------------------------------------- specific fixes


def _extra_field(en: _Entry, model: type | None) -> PydanticCustomError:
    key = en.loc[-1] if en.loc else ""
    if model is None or len(en.loc) != 1 or not isinstance(key, str):
        return _custom("extra_forbidden", "not a field of this config")
    fields = _input_keys(model)
    fix: str | None = None
    close = _closest(key, fields)
    if close is not None:
        fix = f"did you mean {close!r}?"
    elif fields:
        fix = "its fields: " + shorten(", ".join(fields), QUOTE_LIMIT)
    return _custom("extra_forbidden", f"not a field of {model.__name__}", fix)


_SYNONYMS = {
    "learningrate": "lr",
    "learning_rate": "lr",
    "wd": "weight_decay",
    "warmup_steps": "warmup",
    "total_steps": "total",
    "max_steps": "total",
}


def _closest(key: str, fields: Sequence[str]) -> str | None:
    synonym = _SYNONYMS.get(key.lower())
    if synonym in fields:
        return synonym
    by_lower = {f.lower(): f for f in fields}
    if key.lower() in by_lower:
        return by_lower[key.lower()]
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def _input_keys(model: type) -> list[str]:
    """The keys a config accepts: its fields (and aliases), and ``input_keys`` (another
    library's names for them, such as Hugging Face's ``num_warmup_steps``)."""
    fields = getattr(model, "model_fields", {})
    keys = [name for name in fields if not name.startswith("_")]
    keys += [f.alias for f in fields.values() if getattr(f, "alias", None)]
    keys += list(getattr(model, "input_keys", ()))
    return list(dict.fromkeys(keys))


def _unknown_kind(e: Mapping[str, Any]) -> PydanticCustomError:
    ctx = e.get("ctx") or {}
    disc = str(ctx.get("discriminator", "")).strip("'")
    tag = ctx.get("tag")
    expected = str(ctx.get("expected_tags", ""))
    tags = [t.strip().strip("'") for t in expected.split(",") if t.strip()]
    fix = None
    if isinstance(tag, str):
        close = difflib.get_close_matches(tag, tags, n=1, cutoff=0.6)
        if close:
            fix = f"did you mean {close[0]!r}?"
    return _custom(
        "union_tag_invalid", f"unknown {disc} {quote(tag, _VALUE_SHOWN)}; expected {expected}", fix
    )


def _field_annotation(model: type | None, loc: tuple[Any, ...]) -> Any:
    fields = getattr(model, "model_fields", None)
    if not fields or not loc or not isinstance(loc[0], str) or loc[0] not in fields:
        return None
    annotation = fields[loc[0]].annotation
    for _ in loc[1:]:  # the element type of a list/dict field
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[-1] if args else None
    return annotation


def _is_duration(annotation: Any) -> bool:
    """Whether a field type accepts a duration (``StepsConfig`` and the other kinds),
    told by name: this module is below the duration module."""
    stack, seen = [annotation], 0
    while stack and seen < 50:
        item = stack.pop()
        seen += 1
        if getattr(item, "__name__", None) in ("StepsConfig", "EpochsConfig", "FractionConfig"):
            return True
        stack.extend(typing.get_args(item))
    return False


def _duration_mismatch(
    loc: tuple[Any, ...], value: Any, model: type | None, *, whole_number: bool
) -> PydanticCustomError:
    problem = (
        f"expected a whole number of scheduler steps or a duration {_DURATION_FORM}"
        if whole_number
        else f"expected a duration {_DURATION_FORM}"
    )
    name = loc[-1] if loc else None
    ratio = (
        isinstance(name, str)
        and name == "warmup"
        and len(loc) == 1
        and "warmup_ratio" in getattr(model, "model_fields", {})
    )
    return _custom("duration_type", problem, _duration_fix(value, whole_number, ratio))


def _duration_fix(value: Any, whole_number: bool, ratio: bool) -> str | None:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if value < 0:
        return "a duration is >= 0"
    if 0 < value < 1:
        fix = f"for {value * 100:g}% of training write {{kind: fraction, value: {value:g}}}"
        return fix + (f", or warmup_ratio: {value:g}" if ratio else "")
    if isinstance(value, float) and not value.is_integer():
        return f"for {value:g} epochs write {{kind: epochs, value: {value:g}}}"
    if not whole_number:
        return f"for {int(value)} optimizer steps write {{kind: steps, value: {int(value)}}}"
    return None
