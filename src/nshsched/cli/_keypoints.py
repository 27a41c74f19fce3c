"""The key points of a schedule for ``nshsched preview``'s table: the start, the end of each
warmup, ``sequential`` phase and ``step_decay`` interval boundaries, the min, max and end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..duration import TrainingLength

__all__ = ["MAX_BOUNDARIES", "boundaries", "boundary_labels", "key_points"]

MAX_BOUNDARIES = 40
"""The most boundary rows in the table (the earliest ones)."""


def _to_steps(owner: Any, count: Any, length: TrainingLength) -> int:
    return int(owner.to_units(count, length) * owner.steps_per_unit(length))


def boundaries(config: Any, length: TrainingLength, offset: int = 0) -> list[tuple[int, str]]:
    """Steps where a schedule changes regime, read from its config: the end of its warmup,
    the boundaries of ``sequential`` phases and of ``step_decay``/``exponential_decay``
    intervals, recursively."""
    out: list[tuple[int, str]] = []
    total = length.total_steps
    inner_length, inner_offset = length, offset
    for field in ("warmup", "warmup_duration", "warmup_epochs"):
        count = getattr(config, field, None)
        if count is None or isinstance(count, bool):
            continue
        w = _to_steps(config, count, length)
        if w > 0:
            out.append((offset + w, "end of warmup"))
            # The generic warmup shortens the training the rest of the schedule sees.
            if field == "warmup" and hasattr(config, "intervals"):
                inner_length = TrainingLength(
                    steps_per_epoch=length.steps_per_epoch, total_steps=max(1, total - w)
                )
                inner_offset = offset + w
    intervals = getattr(config, "intervals", None)
    if isinstance(intervals, Sequence):
        for k, item in enumerate(intervals):
            for end in ("start", "end"):
                count = getattr(item, end, None)
                if count is not None:
                    step = _to_steps(config, count, inner_length)
                    out.append((inner_offset + step, f"interval {k} {end}"))
    phases = getattr(config, "phases", None)
    if isinstance(phases, Sequence):
        start = offset
        for k, phase in enumerate(phases):
            duration = getattr(phase, "duration", None)
            steps = (
                max(0, offset + total - start)
                if duration is None
                else _to_steps(config, duration, length)
            )
            schedule = getattr(phase, "schedule", None)
            if schedule is not None and steps > 0:
                phase_length = TrainingLength(
                    steps_per_epoch=length.steps_per_epoch, total_steps=steps
                )
                out += [
                    (s, f"phase {k}: {label}")
                    for s, label in boundaries(schedule, phase_length, start)
                ]
            start += steps
            if k < len(phases) - 1:
                out.append((start, f"end of phase {k}"))
    return out


def boundary_labels(
    config: Any, length: TrainingLength, columns: Sequence[str]
) -> dict[int, list[str]]:
    """Step -> labels of every boundary strictly inside the run, for the groups in
    ``columns`` (a ``per_group`` config's listed groups are labelled by name)."""
    total = length.total_steps
    found: list[tuple[int, str]] = []
    try:
        groups = getattr(config, "groups", None)
        if isinstance(groups, Mapping):
            for name, sub in [*groups.items(), ("default", getattr(config, "default", None))]:
                if sub is not None and name in columns:
                    found += [(s, f"{name}: {lbl}") for s, lbl in boundaries(sub, length)]
        else:
            found += boundaries(config, length)
    except (AttributeError, TypeError, ValueError, OverflowError):
        pass  # boundaries are a display aid; the curve itself is always shown
    merged: dict[int, list[str]] = {}
    for step, label in sorted(found, key=lambda r: r[0]):
        if 0 < step < total and label not in merged.setdefault(step, []):
            merged[step].append(label)
        if len(merged) > MAX_BOUNDARIES:
            del merged[step]
            break
    return merged


def _join(labels: Sequence[str]) -> str:
    if len(labels) <= 3:
        return ", ".join(labels)
    return f"{', '.join(labels[:2])} and {len(labels) - 2} more"


def key_points(
    labels: Mapping[int, list[str]],
    total: int,
    columns: Sequence[str],
    argmin: Sequence[int],
    argmax: Sequence[int],
) -> list[tuple[str, int]]:
    """``(label, step)`` rows: start, end of warmup, phase/interval boundaries (see
    :func:`boundary_labels`), each column's min and max (its first step), end."""
    rows = [(0, "start"), *((s, _join(names)) for s, names in labels.items()), (total, "end")]
    single = len(columns) == 1
    for name, lo, hi in zip(columns, argmin, argmax):
        suffix = "" if single else f" ({name})"
        rows.append((lo, "min" + suffix))
        rows.append((hi, "max" + suffix))
    return [(label, step) for step, label in sorted(rows, key=lambda r: r[0])]
