"""Strict JSON for config files ending in ``.json``: no trailing commas, no ``NaN``, no
duplicate keys, and the limits of :mod:`nshsched.loading.limits`, checked before the decoder (which
recurses) runs."""

from __future__ import annotations

import json
import re
from typing import Any

from . import limits
from .limits import ConfigFileError
from .quote import quote, shorten

__all__ = ["load_json"]


# A JSON string, or one of the characters that structure a document.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


class _JSONRefusal(ValueError):
    """Raised by the decoder's hooks: valid JSON syntax that is refused."""


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - text.rfind(chr(10), 0, pos)}"


def _scan_json(text: str, source: str) -> None:
    """Depth, value count and trailing commas, checked before the decoder (which recurses)
    runs: a linear scan over strings and brackets."""
    depth = 0
    comma_end = -1
    for values, m in enumerate(_JSON_TOKEN.finditer(text), start=1):
        char = text[m.start()]
        if char in "]}" and comma_end >= 0 and not text[comma_end : m.start()].strip():
            raise ConfigFileError(
                f"{shorten(source)}, {_line_col(text, comma_end - 1)}: not valid JSON: a "
                f"trailing comma before {char!r} (JSON allows none)"
            )
        comma_end = m.end() if char == "," else -1
        if char in "[{":
            depth += 1
            if depth > limits.MAX_DEPTH:
                raise ConfigFileError(
                    f"{shorten(source)}, {_line_col(text, m.start())}: more than {limits.MAX_DEPTH} "
                    "levels of nested lists/mappings: refused"
                )
        elif char in "]}":
            depth -= 1
        if values > 2 * limits.MAX_NODES:  # keys and values: two strings per pair
            raise ConfigFileError(
                f"{shorten(source)}, {_line_col(text, m.start())}: more than {limits.MAX_NODES} "
                "values: refused"
            )


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONRefusal(f"duplicate key {quote(key)} in an object")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _JSONRefusal(f"{name} is not a JSON number (write a number, or null)")


def _number(convert: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > limits.MAX_NUMBER_CHARS:
            raise _JSONRefusal(
                f"a number of {len(text)} characters (at most {limits.MAX_NUMBER_CHARS})"
            )
        return convert(text)

    return parse


def _check_strings(data: Any, source: str) -> None:
    """Refuse lone surrogates (``"\\ud800"``) in keys and strings, without recursion."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = limits.SURROGATE.search(item)
            if found:
                raise ConfigFileError(
                    f"{shorten(source)}: not valid JSON: a string holds a lone surrogate "
                    f"{quote(found.group())}: not Unicode text"
                )
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_json(text: str, source: str = "<string>") -> Any:
    """Parse strict JSON text into plain Python data, within the limits of this module.

    Unlike Python's ``json`` module, this refuses duplicate keys, ``NaN``/``Infinity`` and
    trailing commas, and never recurses past :data:`limits.MAX_DEPTH`.

    Raises:
        ConfigFileError: Invalid JSON, or a limit exceeded.

    Example:
        >>> load_json('{"name": "cosine", "warmup": 10}')
        {'name': 'cosine', 'warmup': 10}
    """
    if len(text) > limits.MAX_BYTES:
        raise ConfigFileError(
            f"{shorten(source)}: more than {limits.MAX_BYTES} characters: refused"
        )
    if not text.strip():
        raise ConfigFileError(f"{shorten(source)}: the file is empty (no JSON value)")
    _scan_json(text, source)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_int=_number(int),
            parse_float=_number(float),
        )
    except json.JSONDecodeError as e:
        raise ConfigFileError(
            f"{shorten(source)}, line {e.lineno}, column {e.colno}: not valid JSON: {e.msg}"
        ) from None
    except _JSONRefusal as e:
        raise ConfigFileError(f"{shorten(source)}: not valid JSON: {e}") from None
    _check_strings(data, source)
    return data
