"""Run the library on a differential case and compare it with the reference model.

Tolerance: ``|got - want| <= 1e-9 * max(|got|, |want|) + 1e-12 * scale``, ``scale`` the largest
magnitude of that key's reference series for that group (at least 1e-300): relative 1e-9,
and an absolute floor far below any value a schedule writes on purpose (a cosine's 0 at its
end comes out of ``cos`` as ~1e-17).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

import nshsched as S
from _reference import (
    Reference,
    reference,
    reference_groups,
    reference_many,
    reference_scheduler,
)

REL = 1e-9
ABS = 1e-12


class Rejected(Exception):
    """The library refused the case with a ``ValueError`` at build: not a comparison."""


@contextmanager
def quiet() -> Iterator[None]:
    """Warnings the cases trigger on purpose (horizon, a group's own schedule next to a
    global one, an absolute schedule's unused ``lr``) are not what is compared here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def read(group: dict[str, Any], key: str) -> float:
    if key in group:
        return float(group[key])
    field, _, index = key.rpartition(".")
    return float(group[field][int(index)])


def close(got: float, want: float, scale: float) -> bool:
    if not math.isfinite(got):
        return False
    return abs(got - want) <= REL * max(abs(got), abs(want)) + ABS * max(scale, 1e-300)


class Checker:
    """Compares an optimizer's groups with a :class:`Reference`, step by step."""

    def __init__(self, ref: Reference, where: str, case: Any) -> None:
        self.ref = ref
        self.where = where
        self.case = case
        self.scale = {
            (g, k): max(abs(v) for v in series)
            for g, keys in ref.values.items()
            for k, series in keys.items()
        }

    def fail(self, message: str) -> None:
        raise AssertionError(f"{self.where}: {message}\ncase: {self.case}")

    def groups(self, optimizer: torch.optim.Optimizer, names: dict[int, str]) -> None:
        got = {
            g.get("name"): sorted(names[id(p)] for p in g["params"]) for g in optimizer.param_groups
        }
        want = {p.name: sorted(p.params) for p in self.ref.parts}
        if got != want:
            self.fail(f"param groups differ:\n  library   {got}\n  reference {want}")

    def value(self, group: str, key: str, t: int, got: float) -> None:
        want = self.ref.values[group][key][t]
        if not close(got, want, self.scale[group, key]):
            self.fail(
                f"group {group!r} key {key!r} at optimizer step {t}: library {got!r}, reference {want!r}"
            )

    def at(self, optimizer: torch.optim.Optimizer, t: int) -> None:
        for g in optimizer.param_groups:
            for key in self.ref.values[g["name"]]:
                try:
                    got = read(g, key)
                except (KeyError, IndexError, TypeError):
                    self.fail(f"group {g['name']!r} has no key {key!r} (reference has it)")
                self.value(g["name"], key, t, got)


def step_optimizer(optimizer: torch.optim.Optimizer) -> None:
    if isinstance(optimizer, torch.optim.LBFGS):
        optimizer.step(lambda: torch.tensor(0.0))
    else:
        optimizer.step()


def build(config: Any, model: torch.nn.Module, length: S.TrainingLength) -> Any:
    try:
        with quiet():
            return config.build(model, length)
    except ValueError as error:
        raise Rejected(str(error)) from error


def references(case: Any, config: Any, model: torch.nn.Module) -> dict[str, Reference]:
    with quiet():
        if case.several:
            return reference_many(config, model, case.length())
        return {"": reference(config, model, case.length())}


def pairs(built: Any) -> dict[str, tuple[Any, Any]]:
    return built if isinstance(built, dict) else {"": built}


def check_stepped(
    case: Any, config: Any, model: torch.nn.Module, refs: dict[str, Reference]
) -> None:
    """(a) ``build`` stepped by hand: the scheduler after every optimizer step."""
    names = {id(p): n for n, p in model.named_parameters()}
    for key, (optimizer, scheduler) in pairs(
        build(config, case.wrap(model), case.length())
    ).items():
        check = Checker(refs[key], f"build()[{key!r}] stepped by hand", case)
        check.groups(optimizer, names)
        for t in range(case.total + 1):
            check.at(optimizer, t)
            step_optimizer(optimizer)
            if scheduler is not None:
                with quiet():
                    scheduler.step()


def check_preview(
    case: Any, config: Any, model: torch.nn.Module, refs: dict[str, Reference]
) -> None:
    """(b) ``S.preview(config, length, model=..., key=...)`` for every key the reference has."""
    ref = refs[""]
    wrapped = case.wrap(model)
    columns = S.preview_groups(config, model=wrapped)
    check = Checker(ref, "preview(model=...)", case)
    if sorted(columns) != sorted(p.name for p in ref.parts):
        check.fail(f"preview columns {columns} != reference groups {[p.name for p in ref.parts]}")
    if config.layer_decay is None:  # without a model: the configured groups, then default
        want = reference_groups(config, case.length())
        with quiet():
            table = S.preview(config, case.length())
        names = S.preview_groups(config)
        if names != list(want):
            check.fail(f"preview(config, length) columns {names} != {list(want)}")
        for j, group in enumerate(names):
            scale = max(abs(v) for v in want[group])
            for t in range(case.total + 1):
                if not close(float(table[t, j]), want[group][t], scale):
                    check.fail(
                        f"preview(config, length): group {group!r} at step {t}: library {float(table[t, j])!r}, reference {want[group][t]!r}"
                    )
    for key in sorted({k for series in ref.values.values() for k in series}):
        with quiet():
            table = S.preview(config, case.length(), model=wrapped, key=key)
        for j, group in enumerate(columns):
            if key in ref.values[group]:
                for t in range(case.total + 1):
                    check.value(group, key, t, float(table[t, j]))


def _state_round_trip(state: dict[str, Any]) -> dict[str, Any]:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def check_resume(
    case: Any, config: Any, model: torch.nn.Module, refs: dict[str, Reference], at: int
) -> None:
    """(c) ``state_dict`` at step ``at`` -> a new ``build`` -> ``load_state_dict`` -> the next LRs."""
    first = pairs(build(config, case.wrap(model), case.length()))
    second = pairs(build(config, case.wrap(model), case.length()))
    for key, (optimizer, scheduler) in first.items():
        if scheduler is None:
            continue
        with quiet():
            for _ in range(at):
                step_optimizer(optimizer)
                scheduler.step()
        state = _state_round_trip(scheduler.state_dict())
        optimizer2, scheduler2 = second[key]
        scheduler2.load_state_dict(state)
        check = Checker(refs[key], f"resume[{key!r}] at step {at}", case)
        for t in range(at + 1, min(case.total, at + 3) + 1):
            step_optimizer(optimizer2)
            with quiet():
                scheduler2.step()
            check.at(optimizer2, t)


def check_step_to(
    case: Any, config: Any, model: torch.nn.Module, refs: dict[str, Reference], steps: list[int]
) -> None:
    """(e) ``scheduler.step_to(n)`` seeks to step ``n`` (§7) in any order."""
    for key, (optimizer, scheduler) in pairs(
        build(config, case.wrap(model), case.length())
    ).items():
        if scheduler is None:
            continue
        check = Checker(refs[key], f"step_to[{key!r}]", case)
        for n in steps:
            with quiet():
                scheduler.step_to(n)
            check.at(optimizer, n)


def run(case: Any, *, resume_at: int, seek: list[int]) -> None:
    """Every comparison of one case; :class:`Rejected` if the library refuses to build it."""
    config = case.config()
    model = case.model()
    build(config, case.wrap(model), case.length())  # Rejected first: then it is a comparison
    refs = references(case, config, model)
    check_stepped(case, config, model, refs)
    if not case.several:
        check_preview(case, config, model, refs)
    check_resume(case, config, model, refs, resume_at)
    check_step_to(case, config, model, refs, seek)


def run_scheduler_alone(
    cfg: Any, length: S.TrainingLength, base_lrs: dict[str, float], where: Callable[[], str]
) -> None:
    """A scheduler config alone: ``preview(cfg, length, base_lrs)`` and ``create_scheduler``'s
    Lightning dict stepped as Lightning steps it, against ``reference_scheduler``."""
    want = reference_scheduler(cfg, length, base_lrs)
    spe, total = length.steps_per_epoch, length.total_steps
    scale = [max(abs(row[j]) for row in want) for j in range(len(base_lrs))]

    def compare(label: str, t: int, got: list[float]) -> None:
        for j, name in enumerate(base_lrs):
            if not close(got[j], want[t][j], scale[j]):
                raise AssertionError(
                    f"{label}: group {name!r} at optimizer step {t}: library {got[j]!r}, "
                    f"reference {want[t][j]!r}\n{where()}"
                )

    with quiet():
        table = S.preview(cfg, length, base_lrs)
    for t in range(total + 1):
        compare("preview(cfg, length, base_lrs)", t, [float(v) for v in table[t]])
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in base_lrs]
    groups = [{"params": [p], "lr": lr, "name": n} for p, (n, lr) in zip(params, base_lrs.items())]
    optimizer = torch.optim.SGD(groups, lr=next(iter(base_lrs.values())), momentum=0.9)
    try:
        with quiet():
            lightning_dict = cfg.create_scheduler(optimizer, length)
    except ValueError as error:
        raise AssertionError(
            f"create_scheduler refused a config preview accepts: {error}\n{where()}"
        ) from error
    scheduler, interval = lightning_dict["scheduler"], lightning_dict["interval"]
    frequency = lightning_dict.get("frequency", 1)
    if interval == "step" and frequency != 1:
        raise AssertionError(
            f"a step-interval dict must say frequency 1 (§4), got {frequency}\n{where()}"
        )
    for t in range(total):  # Lightning never shows the LR after its last step
        compare(
            "create_scheduler() stepped as Lightning does",
            t,
            [float(g["lr"]) for g in optimizer.param_groups],
        )
        optimizer.step()
        with quiet():
            if interval == "step":
                scheduler.step()
            elif (t + 1) % spe == 0 and ((t + 1) // spe) % frequency == 0:
                if lightning_dict.get("reduce_on_plateau"):
                    scheduler.step(-float(t))  # an improving metric: no reduction
                else:
                    scheduler.step()
