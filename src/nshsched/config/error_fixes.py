"""What a problem's line says: the message text, bounded, with a fix where one is known
(the field meant by a misspelling, how to write a duration, the tag of a discriminated
union). Used by :mod:`nshsched.config.error_cleaning`; nothing here knows pydantic's
error locations."""

from __future__ import annotations

import difflib
import math
import re
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import PydanticCustomError

from ..loading.quote import QUOTE_LIMIT, quote, shorten

__all__ = [
    "DURATION_FORM",
    "LINE_LIMIT",
    "VALUE_SHOWN",
    "cap_message",
    "custom_error",
    "describe_branch",
    "duration_mismatch",
    "extra_field",
    "field_annotation",
    "is_duration",
    "plain_message",
    "unknown_kind",
]

VALUE_SHOWN = 80
"""The most characters of a value quoted after ``got``."""

LINE_LIMIT = 1200
"""The most characters of one problem's line (a list of registered tags is long)."""

DURATION_FORM = "{kind: steps|epochs|fraction, value: ...}"

_LONG_RUN = re.compile(rf"\S{{{QUOTE_LIMIT + 1},}}")


def cap_message(text: str, limit: int = 4 * QUOTE_LIMIT) -> str:
    """A message with any run of more than ~200 non-space characters cut, and the whole
    cut to ``limit`` characters."""
    return shorten(_LONG_RUN.sub(lambda m: shorten(m.group(), QUOTE_LIMIT), text), limit)


def plain_message(e: Mapping[str, Any]) -> str:
    """An error's message without pydantic's ``Value error, `` prefix."""
    msg = str(e["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def custom_error(
    kind: str, problem: str, fix: str | None = None, **extra: Any
) -> PydanticCustomError:
    """An error of type ``kind`` whose message is ``problem; fix`` (``ctx`` holds both)."""
    problem = cap_message(problem, LINE_LIMIT)
    ctx: dict[str, Any] = {"problem": problem, **extra}
    if fix:
        ctx["fix"] = cap_message(fix)
    return PydanticCustomError(kind, problem + (f"; {ctx['fix']}" if fix else ""), ctx)


def describe_branch(label: str, error: Mapping[str, Any]) -> str:
    """What one union branch (its ``label`` in pydantic's location) accepts, in words."""
    ctx = error.get("ctx") or {}
    if "expected" in ctx and error["type"] != "literal_error":
        return str(ctx["expected"])
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
        inner = label[len("literal[") : -1]
        return "one of " + inner if "," in inner else inner
    if label.startswith(("list[", "tuple[", "set[")):
        inner = label[label.index("[") + 1 : -1]
        if inner.endswith(("constrained-float]", "float")):
            return "a list of numbers"
        if inner == "str":
            return "a list of strings"
        return "a list"
    if label.startswith("dict["):
        return "a mapping"
    msg = re.sub(r"^Input should be (a valid )?", "", plain_message(error)).split(",")[0]
    return msg or label


def extra_field(loc: tuple[Any, ...], model: type | None) -> PydanticCustomError:
    """A key ``model`` does not have: the field meant, or the fields it has."""
    key = loc[-1] if loc else ""
    if model is None or len(loc) != 1 or not isinstance(key, str):
        return custom_error("extra_forbidden", "not a field of this config")
    fields = _input_keys(model)
    fix: str | None = None
    close = _closest(key, fields)
    if close is not None:
        fix = f"did you mean {close!r}?"
    elif fields:
        fix = "its fields: " + shorten(", ".join(fields), QUOTE_LIMIT)
    return custom_error("extra_forbidden", f"not a field of {model.__name__}", fix)


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


def unknown_kind(e: Mapping[str, Any]) -> PydanticCustomError:
    """An unknown tag of a discriminated union (a duration's ``kind``), with the closest."""
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
    return custom_error(
        "union_tag_invalid", f"unknown {disc} {quote(tag, VALUE_SHOWN)}; expected {expected}", fix
    )


def field_annotation(model: type | None, loc: tuple[Any, ...]) -> Any:
    """The type of the field of ``model`` at ``loc`` (an element's, below a list/dict)."""
    fields = getattr(model, "model_fields", None)
    if not fields or not loc or not isinstance(loc[0], str) or loc[0] not in fields:
        return None
    annotation = fields[loc[0]].annotation
    for _ in loc[1:]:  # the element type of a list/dict field
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[-1] if args else None
    return annotation


def is_duration(annotation: Any) -> bool:
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


def duration_mismatch(
    loc: tuple[Any, ...], value: Any, model: type | None, *, whole_number: bool
) -> PydanticCustomError:
    """A value that is not a count of steps (``whole_number``) nor a duration: what is
    expected, and how to write what it probably means."""
    problem = (
        f"expected a whole number of scheduler steps or a duration {DURATION_FORM}"
        if whole_number
        else f"expected a duration {DURATION_FORM}"
    )
    name = loc[-1] if loc else None
    ratio = (
        isinstance(name, str)
        and name == "warmup"
        and len(loc) == 1
        and "warmup_ratio" in getattr(model, "model_fields", {})
    )
    return custom_error("duration_type", problem, _duration_fix(value, whole_number, ratio))


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
