"""The resume harness: build, step, ``state_dict``, fresh build, ``load_state_dict``, and the
next values of the resumed run beside those of the run that was never stopped."""

from __future__ import annotations

import copy
import dataclasses
import io
from collections.abc import Callable
from typing import Any

import torch

from _helpers.stepping import Record, lrs_of

Make = Callable[[], tuple[torch.optim.Optimizer, Any]]
Advance = Callable[[torch.optim.Optimizer, Any, int], None]


def optimizer_then_scheduler(optimizer: torch.optim.Optimizer, scheduler: Any, t: int) -> None:
    """One optimizer step, then the scheduler's (a plain PyTorch loop, and Lightning's order)."""
    optimizer.step()
    scheduler.step()


def state_after(optimizer: torch.optim.Optimizer, scheduler: Any, steps: int) -> dict[str, Any]:
    """The scheduler's ``state_dict()`` after ``steps`` optimizer + scheduler steps."""
    for t in range(steps):
        optimizer_then_scheduler(optimizer, scheduler, t)
    return scheduler.state_dict()


def through_a_checkpoint(state: Any) -> Any:
    """``state`` saved with ``torch.save`` and read back with ``torch.load(weights_only=True)``
    (torch's safe unpickler, Lightning's default), as a checkpoint carries it."""
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


@dataclasses.dataclass(frozen=True)
class Resumed:
    """The records of the two runs from the cut on (``n + 1`` each: at the cut, then after
    each step), and the scheduler state saved at the cut (a deep copy of what
    ``state_dict()`` returned)."""

    uninterrupted: list[Any]
    resumed: list[Any]
    state: dict[str, Any]


def resume(
    make: Make,
    cut: int,
    n: int,
    *,
    advance: Advance = optimizer_then_scheduler,
    record: Record = lrs_of,
    make_resumed: Callable[[dict[str, Any]], tuple[torch.optim.Optimizer, Any]] | None = None,
    check_loaded: Callable[[torch.optim.Optimizer, Any], None] | None = None,
) -> Resumed:
    """Stop a run after ``cut`` steps, resume it from its scheduler state, and record ``n``
    more steps of it and of a run never stopped.

    Three runs, each made by ``make()`` and moved on by ``advance(optimizer, scheduler, t)``
    (``t`` counts from the start of the run): the uninterrupted one, ``cut + n`` steps; the
    saved one, ``cut`` steps, whose ``state_dict()`` goes through a checkpoint
    (:func:`through_a_checkpoint`) and which then goes on ``n`` steps — taking the state must
    not change it, checked here; the resumed one, ``make_resumed(the saved optimizer's
    state_dict at the cut)`` (default ``make()``), ``load_state_dict``,
    ``check_loaded(optimizer, scheduler)``, ``n`` steps.
    ``record(optimizer)`` is taken at the cut and after every later step.
    """

    def go_on(optimizer: torch.optim.Optimizer, scheduler: Any, start: int) -> list[Any]:
        out = [record(optimizer)]
        for t in range(start, start + n):
            advance(optimizer, scheduler, t)
            out.append(record(optimizer))
        return out

    optimizer, scheduler = make()
    for t in range(cut):
        advance(optimizer, scheduler, t)
    uninterrupted = go_on(optimizer, scheduler, cut)

    saved_optimizer, saved = make()
    for t in range(cut):
        advance(saved_optimizer, saved, t)
    state = copy.deepcopy(saved.state_dict())  # as it is at the cut, whatever comes after
    checkpoint = through_a_checkpoint(state)
    optimizer_state = copy.deepcopy(saved_optimizer.state_dict())
    assert go_on(saved_optimizer, saved, cut) == uninterrupted, "state_dict() changed the run"

    optimizer, scheduler = make_resumed(optimizer_state) if make_resumed else make()
    scheduler.load_state_dict(checkpoint)
    if check_loaded is not None:
        check_loaded(optimizer, scheduler)
    return Resumed(uninterrupted, go_on(optimizer, scheduler, cut), state)


def assert_plain(value: Any) -> None:
    """``value`` holds only plain Python values (what ``torch.load(weights_only=True)``
    reads back): None, bool, int, float, str, and lists / dicts of them."""
    if value is None or type(value) in (bool, int, float, str):
        return
    if type(value) in (list, tuple):
        for v in value:
            assert_plain(v)
        return
    if type(value) is dict:
        for k, v in value.items():
            assert type(k) is str, f"key {k!r} is not a str"
            assert_plain(v)
        return
    raise AssertionError(f"{type(value).__name__} is not a plain Python value: {value!r}")
