"""Quoting input in error messages: at most ~200 characters of any value or key, with work
bounded whatever the value is (a deeply nested or alias-shared structure is never expanded).
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["QUOTE_LIMIT", "quote", "shorten"]

QUOTE_LIMIT = 200
"""The most characters of one input value or key that a message quotes."""


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` with small container limits and a guard for huge integers."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = 6
        self.maxfrozenset = self.maxdeque = self.maxarray = 6
        self.maxstring = self.maxother = self.maxlong = limit

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 256:  # str() of a huge int is slow, or refused past 4300 digits
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)

    def repr_str(self, x: str, level: int) -> str:
        # repr() of a bounded slice: never the cost of the whole string.
        if len(x) <= self.maxstring:
            return repr(x)
        return repr(x[: self.maxstring]) + f"... ({len(x)} characters)"

    def repr_bytes(self, x: bytes, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(x)
        return repr(x[: self.maxstring]) + f"... ({len(x)} bytes)"


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to about ``limit`` characters, at a cost bounded by ``limit``.

    Strings are cut with their length stated, containers show their first items, and
    unprintable characters (a lone surrogate, a control character) come out escaped.

    Example:
        >>> quote("lr")
        "'lr'"
        >>> quote("x" * 1000, limit=10)
        "'xxxxxxxxxx'... (1000 characters)"
        >>> quote([[[[1]]]])
        '[[[[...]]]]'
    """
    text = _BoundedRepr(limit).repr(value)
    return shorten(text, limit + 40)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and end around "...".

    Example:
        >>> shorten("abcdefghijklmnopqrstuvwxyz", 11)
        'abcd...wxyz'
    """
    if len(text) <= limit:
        return text
    head = (limit - 3 + 1) // 2
    tail = limit - 3 - head
    return text[:head] + "..." + (text[-tail:] if tail > 0 else "")
