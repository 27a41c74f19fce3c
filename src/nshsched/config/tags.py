"""Tags: what a tag may be, when two tags are the same, and how an unknown one is reported."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ..loading.quote import quote, shorten

__all__ = ["TAGS_SHOWN", "normalize_tag", "tag_list", "unknown_tag_message", "valid_tag"]

_TAG = re.compile(r"[A-Za-z0-9_]+", re.ASCII)

TAGS_SHOWN = 320
"""The most characters of registered tags a message lists (then how many more)."""


def normalize_tag(tag: str) -> str:
    """The key under which tags and aliases are compared: case-insensitive, without ``_``/``-``.

    This is what makes torch's class names work as tags: ``"CosineAnnealingLR"`` and
    ``"cosine_annealing_lr"`` share the key ``"cosineannealinglr"``.
    """
    return tag.replace("_", "").replace("-", "").lower()


def valid_tag(name: object) -> bool:
    """ASCII letters, digits and ``_``, with at least one letter or digit."""
    return isinstance(name, str) and bool(_TAG.fullmatch(name)) and bool(normalize_tag(name))


def tag_list(tags: Sequence[str]) -> str:
    """``tags`` joined, cut after about :data:`TAGS_SHOWN` characters (then how many more)."""
    shown: list[str] = []
    width = 0
    for tag in tags:
        width += len(tag) + 2
        if width > TAGS_SHOWN and len(shown) < len(tags) - 1:
            break
        shown.append(tag)
    text = ", ".join(shown)
    if len(shown) < len(tags):
        text += f", ... and {len(tags) - len(shown)} more (`nshsched list` shows them all)"
    return text


def unknown_tag_message(
    tag: object, tags: Sequence[str], discriminator: str, type_name: str
) -> str:
    """An unknown tag: the registered ones, the closest (``did you mean``), and how to make
    one's own classes visible."""
    msg = f"unknown {discriminator} {quote(tag, 80)} for {type_name}; registered: {tag_list(tags)}"
    if isinstance(tag, str):
        by_key = {normalize_tag(t): t for t in tags}
        close = difflib.get_close_matches(
            normalize_tag(shorten(tag, 100)), list(by_key), n=1, cutoff=0.6
        )
        if close:
            msg += f" (did you mean {by_key[close[0]]!r}?)"
    return msg + (
        "; your own class? import its module first (command line: --import MODULE or "
        "NSHSCHED_IMPORT=MODULE; a package: an entry point in the `nshsched` group)"
    )
