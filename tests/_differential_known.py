"""Known differences between the library and the reference model (issue 18).

Each entry says which generated cases it covers (``applies``, on a case's config data), so
the generated tests leave those cases out, and carries one minimal case
(``tests/test_differential.py::test_known_failure``) marked
``xfail(strict=True)``: when the library is fixed, that test passes, strict xfail turns it
into a failure, and the entry must be removed here -- the generated tests then cover the
area again by themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


def entries(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each ``OptimizationConfig`` of a case (a scheduler alone counts as one)."""
    if "optimizers" in data:
        yield from data["optimizers"].values()
    elif "optimizer" in data:
        yield data
    else:
        yield {"scheduler": data, "param_groups": [], "hyperparameters": {}}


def nested(s: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """A schedule and every schedule inside it (phases, per_group children)."""
    if not s:
        return
    yield s
    for phase in s.get("phases", ()):
        yield from nested(phase["schedule"])
    if s.get("name") == "per_group":
        yield from nested(s.get("default"))
        for child in s.get("groups", {}).values():
            yield from nested(child)


def lr_schedules(entry: dict[str, Any], *, own: bool | None = None) -> Iterator[dict[str, Any]]:
    """LR schedules of an entry; ``own=True``: only those that are a group's own (a
    ``ParamGroupConfig.scheduler``, a ``per_group.groups`` child), ``False``: only global."""
    glob = entry.get("scheduler") or {}
    if glob.get("name") == "per_group":
        if own is not True:
            yield from nested(glob.get("default"))
        if own is not False:
            for child in glob.get("groups", {}).values():
                yield from nested(child)
    elif own is not True:
        yield from nested(glob or None)
    if own is not False:
        for g in entry.get("param_groups", ()):
            if isinstance(g.get("scheduler"), dict):
                yield from nested(g["scheduler"])


def hyper_schedules(entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for hp in entry.get("hyperparameters", {}).values():
        yield from nested(hp["schedule"])


def all_schedules(entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from lr_schedules(entry)
    yield from hyper_schedules(entry)


# Every known difference, by key: the reason shown by its strict xfail (test_differential.py
# holds one minimal case per key). Validation and creation refusals need no predicate: the
# generated tests reject what the library refuses to build.
REASONS = {
    "new: preview without a model builds a torch optimizer": "preview(config, length) / "
    "preview_groups(config) without a model build a torch optimizer on 1-element stand-ins: "
    "muon raises torch's 'Muon only supports 2D parameters' (§7, §11.3)",
}


@dataclass(frozen=True)
class Known:
    key: str
    applies: Callable[[dict[str, Any], tuple[int, int] | None, str], bool]


# The minimal cases of these run a Lightning fit: tests/test_differential_lightning.py.
LIGHTNING_ONLY: set[str] = set()

# The generated cases each known difference covers (kept out of the generated tests).
KNOWN = [
    Known(
        "new: preview without a model builds a torch optimizer",
        lambda d, _, __: any(e.get("optimizer", {}).get("name") == "muon" for e in entries(d)),
    ),
]


def known_failures(
    data: dict[str, Any], length: tuple[int, int] | None = None, where: str = "build"
) -> list[Known]:
    """The known differences a case falls under. ``length``: steps per epoch and total
    steps, when known (for an entry that shows at some lengths only); ``where``:
    ``"build"`` (build, preview, resume), ``"alone"`` (a scheduler config alone, with
    ``create_scheduler``) or ``"lightning"`` (``configure_optimizers`` in a fit)."""
    return [k for k in KNOWN if k.applies(data, length, where)]
