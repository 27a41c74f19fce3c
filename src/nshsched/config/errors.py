"""Validation errors a person can act on: one format, whatever the entry point.

Every way a config is validated — a constructor, ``model_validate``, an assignment,
``registry.construct``, ``TypeAdapter(S.LRSchedulerConfig)``, a YAML/JSON file, an OmegaConf
``DictConfig``, LightningCLI, the ``nshsched`` command — ends in the two functions here:

- :func:`~nshsched.config.error_cleaning.clean_errors` rewrites pydantic's line errors
  where they are made (every
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
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from ..loading.limits import MAX_DEPTH
from ..loading.quote import QUOTE_LIMIT, quote, shorten
from .error_cleaning import clean_errors
from .error_fixes import LINE_LIMIT, VALUE_SHOWN, cap_message, custom_error, plain_message

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

_KEY_SHOWN = 60
"""The most characters of one key shown in a path."""


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

    def __reduce__(self) -> tuple[Any, tuple[str, list[dict[str, Any]]]]:
        # Plain data (title, line errors): every pydantic release rebuilds it, nshsched's own
        # error types included (pydantic's own pickling knows only its built-in types before
        # 2.14).
        return _unpickle, (self.title, [dict(e) for e in self.errors(include_url=False)])


def _unpickle(title: str, errors: list[dict[str, Any]]) -> ConfigValidationError:
    line_errors: list[Any] = []
    for e in errors:
        ctx = e.get("ctx")
        # the message as rendered (pydantic fills only ``{key}`` of the context's keys, and
        # the rendered text holds none), the context kept for programmatic readers
        kind = PydanticCustomError(e["type"], e["msg"], ctx)
        line_errors.append({"type": kind, "loc": tuple(e["loc"]), "input": e.get("input")})
    return ConfigValidationError.from_exception_data(title, line_errors)


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
    kind = custom_error("value_error", problem, fix, **({"quoted": True} if quoted else {}))
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
    problem = str(ctx["problem"]) if "problem" in ctx else plain_message(e)
    fix = ctx.get("fix")
    got = f" (got {quote(e['input'], VALUE_SHOWN)})" if _shows_input(e) else ""
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
