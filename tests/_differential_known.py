"""Known differences between the library and the reference model (issue 18).

Each entry says which generated cases it covers (``applies``, on a case's config data), so
the generated tests leave those cases out, and carries one minimal case
(``KNOWN_EXAMPLES`` in ``tests/test_differential.py``) that must still fail: when the
library is fixed, ``test_known_differences_still_differ`` fails, and the entry must be
removed here (its example moves to ``FIXED_EXAMPLES``) -- the generated tests then cover
the area again by themselves.

Every difference found so far is fixed: the tables are empty, and stay as the place the
next one is written down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Every known difference, by key: the reason shown by the strict xfail of the generated cases
# it covers (test_differential.py holds one minimal case per key). Validation and creation
# refusals need no predicate: the generated tests reject what the library refuses to build.
REASONS: dict[str, str] = {}


@dataclass(frozen=True)
class Known:
    key: str
    applies: Callable[[dict[str, Any], tuple[int, int] | None, str], bool]


# The minimal cases of these run a Lightning fit: tests/test_differential_lightning.py.
LIGHTNING_ONLY: set[str] = set()

# The generated cases each known difference covers (kept out of the generated tests).
KNOWN: list[Known] = []


def known_failures(
    data: dict[str, Any], length: tuple[int, int] | None = None, where: str = "build"
) -> list[Known]:
    """The known differences a case falls under. ``length``: steps per epoch and total
    steps, when known (for an entry that shows at some lengths only); ``where``:
    ``"build"`` (build, preview, resume), ``"alone"`` (a scheduler config alone, with
    ``create_scheduler``) or ``"lightning"`` (``configure_optimizers`` in a fit)."""
    return [k for k in KNOWN if k.applies(data, length, where)]
