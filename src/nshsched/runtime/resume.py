"""What a scheduler state records about its schedule, and what loading it into another does.

A state records the step, the param groups' names, the training length and a fingerprint
of the *resolved* schedule: the config with every duration turned into optimizer steps for
that length (a phase's durations against the phase), with the training's total where the
schedule depends on it otherwise (a default "whole training"), and without the two policy
fields. Loading checks, in order: the group names (a mismatch is always an error); the
fingerprint (equal: resume silently, whatever the length); then the loading config's
``on_resume_change``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from ..duration import EpochsConfig, FractionConfig, StepsConfig, TrainingLength, round_steps
from ..loading.quote import quote, shorten

__all__ = ["MAX_STEPS", "POLICY_FIELDS", "fingerprint", "resolved_schedule", "resume_step"]

POLICY_FIELDS = frozenset({"on_resume_change", "horizon_check"})
"""Fields that say how to run a schedule, not what it is: not part of the fingerprint."""


MAX_STEPS = 2**53
"""The largest step count a duration may resolve to (floats count steps exactly up to it)."""


def resolved_schedule(config: BaseModel, length: TrainingLength) -> Any:
    """``config`` as plain JSON values with every duration in optimizer steps.

    Raises:
        ValueError: A duration resolves to more than 2**53 optimizer steps (the message names
            its field).
    """
    tag = str(getattr(config, "name", type(config).__name__))

    def resolve(value: Any, length: TrainingLength, path: str) -> Any:
        if isinstance(value, StepsConfig | EpochsConfig | FractionConfig):
            steps = value.to_steps(length)
            if steps > MAX_STEPS:
                raise ValueError(
                    f"{tag}: {path} = {{kind: {value.kind}, value: {value.value:g}}} is {steps} "
                    "optimizer steps, more "
                    f"than 2**53 (steps_per_epoch={length.steps_per_epoch})"
                )
            return steps
        if isinstance(value, BaseModel):
            out: dict[str, Any] = {}
            for name in type(value).model_fields:
                if name in POLICY_FIELDS:
                    continue
                where = f"{path}.{name}" if path else name
                if name == "phases" and hasattr(value, "phase_steps"):  # sequential
                    steps = value.phase_steps(length)
                    out[name] = [
                        {
                            "schedule": resolve(
                                p.schedule, _local(length, d), f"{where}[{i}].schedule"
                            ),
                            "duration": d,
                        }
                        for i, (p, d) in enumerate(zip(getattr(value, name), steps))
                    ]
                    continue
                out[name] = resolve(getattr(value, name), length, where)
            uses_total = getattr(value, "uses_total", None)
            if uses_total is not None and uses_total():
                out["(total_steps)"] = length.total_steps
            return out
        if isinstance(value, Mapping):
            return {
                str(k): resolve(v, length, f"{path}[{str(k)[:50]!r}]") for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [resolve(v, length, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, float):
            return repr(value)  # exact, and JSON-safe for every float
        return value

    return resolve(config, length, "")


def _local(length: TrainingLength, steps: int) -> TrainingLength:
    return TrainingLength(steps_per_epoch=length.steps_per_epoch, total_steps=max(1, steps))


def fingerprint(
    config: BaseModel, length: TrainingLength, hyperparameters: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """``(schedule, fingerprint)``: the resolved schedule as canonical JSON, and its hash.

    Scheduled hyperparameters are part of the schedule: with any, the resolved schedule is
    ``{"lr": <the LR schedule>, "hyperparameters": {key: <resolved>, ...}}``.
    """
    resolved = resolved_schedule(config, length)
    if hyperparameters:
        resolved = {
            "lr": resolved,
            "hyperparameters": {
                str(k): resolved_schedule(v, length) for k, v in hyperparameters.items()
            },
        }
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()[:16]


def _quote(value: Any) -> str:
    """A string as it is, any other value as its repr: at most ~200 characters."""
    return shorten(value) if isinstance(value, str) else quote(value)


def _first_difference(old: Any, new: Any, path: str = "") -> str | None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            where = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                return f"{where}: {_quote(old.get(key, '(absent)'))} -> {_quote(new.get(key, '(absent)'))}"
            found = _first_difference(old[key], new[key], where)
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if old != new:
        return f"{path or 'the schedule'}: {_quote(old)} -> {_quote(new)}"
    return None


def resume_step(
    state: Mapping[str, Any],
    *,
    names: Sequence[str | None],
    length: TrainingLength,
    schedule: str,
    fingerprint: str,
    policy: str,
    tag: str,
) -> int:
    """The step to resume at from a saved ``state`` (its ``last_epoch``), after the checks.

    Raises:
        ValueError: The group names differ, or the resolved schedule differs and ``policy``
            is ``"error"``.
    """
    step = int(state["last_epoch"])
    saved_names = state.get("group_names")
    if saved_names is not None and list(saved_names) != list(names):
        raise ValueError(
            f"the saved scheduler state drives param groups {_quote(list(saved_names))}, this "
            f"optimizer has {_quote(list(names))}: the groups must be the same, in the same "
            "order (their base learning rates are matched by position)"
        )
    saved_fp = state.get("fingerprint")
    if saved_fp is None or saved_fp == fingerprint:
        return step
    saved_length = state.get("length") or {}
    old_total = int(saved_length.get("total_steps", length.total_steps))
    if policy == "continue":
        return step
    if policy == "rescale":
        return round_steps(step * length.total_steps / old_total)
    try:
        what = _first_difference(json.loads(state.get("schedule", "null")), json.loads(schedule))
    except ValueError:  # pragma: no cover - a state written by hand
        what = None
    old_len = (saved_length.get("steps_per_epoch"), old_total)
    new_len = (length.steps_per_epoch, length.total_steps)
    lengths = (
        f"training length (steps_per_epoch, total_steps) {old_len} -> {new_len}"
        if old_len != new_len
        else f"the same training length {new_len}"
    )
    raise ValueError(
        f"{tag}: the saved scheduler state was made for a different schedule ({lengths}; "
        f"resolved schedule {what or 'changed'}; fingerprint {saved_fp} -> {fingerprint}). "
        "Set the scheduler's on_resume_change to 'continue' (keep the step, use the new "
        "schedule) or 'rescale' (keep the fraction of training done), or resume with the "
        "original config and length"
    )
