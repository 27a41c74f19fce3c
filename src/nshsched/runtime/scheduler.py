"""The torch scheduler that writes a :class:`~nshsched.runtime.plan.Plan` (imports torch)."""

from __future__ import annotations

from typing import Any

from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler
from typing_extensions import override

from ..loading.warn import warn
from .checks import HorizonWarning, tag_of
from .hyper import base_value
from .plan import Plan
from .resume import resume_step

__all__ = ["ClosedFormLRScheduler"]

_STATE_KEYS = frozenset(
    {
        "last_epoch",
        "_step_count",
        "base_lrs",
        "base_values",
        "_last_lr",
        "group_names",
        "length",
        "fingerprint",
        "schedule",
    }
)


class _Writer:
    """Writes one ``(group, key)`` value: a float, a tensor filled in place, a tuple element."""

    __slots__ = ("curve", "factor", "group", "index", "key", "ratio", "tensor")

    def __init__(
        self, group: dict[str, Any], key: str, curve: Any, ratio: float, factor: float = 1.0
    ) -> None:
        name, _, index = key.partition(".")
        self.group = group
        self.key = name
        self.index = int(index) if index else None
        self.curve = curve
        self.ratio = ratio
        self.factor = factor
        current = group[name] if self.index is None else group[name][self.index]
        self.tensor = isinstance(current, Tensor)

    def write(self, value: float) -> None:
        group, key = self.group, self.key
        if self.index is None:
            if self.tensor:
                group[key].fill_(value)
            else:
                group[key] = value
            return
        items = group[key]
        if self.tensor:
            items[self.index].fill_(value)
        else:
            group[key] = (*items[: self.index], value, *items[self.index + 1 :])


class ClosedFormLRScheduler(LRScheduler):
    """Writes every param group's values from a closed form of its step count.

    The scheduler counts its own steps ``u`` (0 when created, +1 per :meth:`step`, in the
    unit of its interval: optimizer steps, or epochs for an ``interval: epoch`` schedule) and
    writes, for each target of the plan, its value at optimizer step ``u × unit``. Nothing
    is carried from one step to the next: the same ``u`` always gives the same values,
    whatever happened before (a resume, a manual edit of ``group["lr"]``, :meth:`step_to`).
    Tensor values are filled in place (a compiled optimizer step does not recompile), tuple
    elements (``betas.0``) rebuilt.

    Groups the plan does not drive (the plateau groups of a ``per_group`` config) are
    never written.
    """

    def __init__(self, optimizer: Optimizer, plan: Plan, last_epoch: int = -1) -> None:
        groups = optimizer.param_groups
        if len(groups) != len(plan.names):
            raise ValueError(
                f"the plan has {len(plan.names)} param groups, the optimizer {len(groups)}"
            )
        self.plan = plan
        self._unit = plan.unit
        self._lr_targets = [t for t in plan.targets if t.key == "lr"]
        self._other_targets = [t for t in plan.targets if t.key != "lr"]
        # The configured values of the other keys (momentum), read once, as torch reads lr.
        self.base_values: dict[str, list[float]] = {}
        for t in self._other_targets:
            self.base_values.setdefault(t.key, [float("nan")] * len(groups))
            self.base_values[t.key][t.group] = base_value(groups[t.group], t.key)
        first = self._lr_targets[0].curve if self._lr_targets else None
        self._shared = (
            first.scale
            if first is not None
            and first.offset is None
            and first.ref_offset is None
            and not self._other_targets
            and len(self._lr_targets) == len(groups)
            and all(t.curve is first for t in self._lr_targets)
            and not any(isinstance(g["lr"], Tensor) for g in groups)
            else None
        )
        self._m: Any = None  # the shared multiplier of the last fast-path step
        self._lrs: list[Any] = []
        self._writers: list[tuple[_Writer, float]] = []
        # Lanes: when every target is a plain float under a plain key following a pure scale
        # curve, one multiplier per distinct curve and key per step, then one write per group.
        self._laned = self._shared is None and all(
            t.curve is not None
            and t.curve.offset is None
            and t.curve.ref_offset is None
            and "." not in t.key
            and not isinstance(groups[t.group][t.key], Tensor)
            for t in plan.targets
        )
        self._lanes: list[tuple[Any, str, list[tuple[int, float]]]] = []
        self._lr_lane: int | None = None
        self._writer_groups: list[dict[str, Any]] = []
        self._beyond_warned = False  # step_to past the horizon warns once
        super().__init__(optimizer, last_epoch)

    def _build_lanes(self) -> None:
        lanes: dict[tuple[int, str], tuple[Any, str, list[tuple[int, float]]]] = {}
        for t in self.plan.targets:
            if t.curve is None:  # pragma: no cover - excluded by _laned
                raise TypeError("a lane needs a curve")
            base: Any = (
                self.base_lrs[t.group] if t.key == "lr" else self.base_values[t.key][t.group]
            )
            lane = lanes.setdefault((id(t.curve.scale), t.key), (t.curve.scale, t.key, []))
            lane[2].append((t.group, float(base)))
        self._lanes = list(lanes.values())
        # One LR lane over every group in order: the LRs in force are base_lrs × its value,
        # computed only when asked (get_last_lr), as on the one-multiplier fast path.
        lr_lanes = [lane for lane in self._lanes if lane[1] == "lr"]
        n = len(self.optimizer.param_groups)
        self._lr_lane = (
            self._lanes.index(lr_lanes[0])
            if len(lr_lanes) == 1 and [i for i, _ in lr_lanes[0][2]] == list(range(n))
            else None
        )

    def _build_writers(self) -> None:
        groups = self.optimizer.param_groups
        self._writer_groups = list(groups)
        self._writers = [
            (
                _Writer(groups[t.group], t.key, t.curve, t.ratio, t.factor),
                float(self.base_lrs[t.group]),
            )
            for t in self._lr_targets
        ] + [
            (_Writer(groups[t.group], t.key, t.curve, t.ratio), self.base_values[t.key][t.group])
            for t in self._other_targets
        ]

    @property
    def _last_lr(self) -> list[Any]:  # type: ignore[override]
        m = self._m
        if m is not None:
            return [base * m for base in self.base_lrs]
        return self._lrs

    @_last_lr.setter
    def _last_lr(self, value: list[Any]) -> None:
        self._lrs = value
        self._m = None

    @property
    def optimizer_step(self) -> int:
        """The optimizer step whose values are in force (``last_epoch × unit``)."""
        return self.last_epoch * self._unit

    @override
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance one step (``epoch``: torch's deprecated seek; prefer :meth:`step_to`)."""
        self._step_count += 1
        self.last_epoch = last = self.last_epoch + 1 if epoch is None else int(epoch)
        self._write(last if self._unit == 1 else last * self._unit)

    def _write(self, t: int) -> None:
        """Write the values of optimizer step ``t``."""
        shared = self._shared
        if shared is None:
            if not self._laned:
                self._apply(t)
                return
            # Lanes: each distinct (curve, key) evaluated once, then plain float writes.
            if not self._lanes:
                self._build_lanes()
            groups = self.optimizer.param_groups
            values = []
            for scale, key, members in self._lanes:
                value = scale(t)
                values.append(value)
                for i, b in members:
                    groups[i][key] = b * value
            if self._lr_lane is None:
                self._last_lr = [g["lr"] for g in groups]
            else:
                self._m = values[self._lr_lane]
            return
        # Fast path: one multiplier for every group, plain floats, nothing else to write.
        self._m = m = shared(t)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * m

    def step_to(self, n: int) -> None:
        """Move to this scheduler's step ``n`` (in its interval's unit) in O(1) and write its
        values: for loops driven by a global counter, or optimizers stepped at different
        rates.

        Beyond the training length the scheduler was built for, the values of its last
        optimizer step are held, and a :class:`~nshsched.HorizonWarning` says so (once per
        scheduler): a loop passing a count of something else (environment steps, batches
        of every optimizer) instead of this optimizer's steps reaches the end of the
        schedule far too early.

        Raises:
            ValueError: ``n`` is negative.
        """
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise ValueError(f"step_to: the step must be a whole number >= 0, got {n!r}")
        n = int(n)
        t = n * self._unit
        horizon = self.plan.length.total_steps
        if t > horizon:
            if not self._beyond_warned:
                self._beyond_warned = True
                at = f"step {n} (optimizer step {t})" if self._unit != 1 else f"step {n}"
                warn(
                    f"step_to({n}): {at} is beyond the {horizon} optimizer steps this "
                    f"{tag_of(self.plan.config)} scheduler was built for; it holds the values "
                    f"of optimizer step {horizon} (count this optimizer's steps, or build the "
                    "scheduler for the whole run)",
                    HorizonWarning,
                )
            t = horizon
        self._step_count += 1
        self.last_epoch = n
        self._write(t)

    def _apply(self, t: int | None = None) -> None:
        groups_now = self.optimizer.param_groups
        if (
            not self._writers
            or len(groups_now) != len(self._writer_groups)
            or any(a is not b for a, b in zip(groups_now, self._writer_groups))
        ):
            # first write, or optimizer.load_state_dict() replaced the group dicts (a
            # checkpoint restore, accelerate's prepare): write into the current ones
            self._build_writers()
        if t is None:
            t = self.last_epoch * self._unit
        groups = self.optimizer.param_groups
        for writer, base in self._writers:
            curve = writer.curve
            writer.write(
                base if curve is None else float(curve.lr(t, base, writer.ratio, writer.factor))
            )
        self._last_lr = [g["lr"] for g in groups]

    @override
    def get_lr(self) -> list[Any]:  # type: ignore[override]
        """The LRs in force (no state is changed)."""
        return [g["lr"] for g in self.optimizer.param_groups]

    @override
    def state_dict(self) -> dict[str, Any]:
        """Plain Python values only (safe for ``torch.load(weights_only=True)``): the step,
        the base values, the group names, the training length and the schedule's
        fingerprint."""
        plan = self.plan
        return {
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "base_lrs": [float(b) for b in self.base_lrs],
            "base_values": {k: [float(x) for x in v] for k, v in self.base_values.items()},
            "_last_lr": [float(x) for x in self._last_lr],
            "group_names": list(plan.names),
            "length": {
                "steps_per_epoch": plan.length.steps_per_epoch,
                "total_steps": plan.length.total_steps,
            },
            "fingerprint": plan.fingerprint,
            "schedule": plan.schedule,
        }

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Check what the state was saved for, restore the step and base values, and write
        the values of that step.

        Raises:
            KeyError: Unknown keys in ``state_dict``.
            ValueError: The param groups differ (names or order), or the resolved schedule
                differs and the config's ``on_resume_change`` is ``"error"``.
        """
        unknown = set(state_dict) - _STATE_KEYS
        if unknown:
            raise KeyError(f"unexpected keys in the scheduler state: {sorted(unknown)}")
        plan = self.plan
        config = plan.config
        step = resume_step(
            state_dict,
            names=plan.names,
            length=plan.length,
            schedule=plan.schedule,
            fingerprint=plan.fingerprint,
            policy=config.on_resume_change,
            tag=str(getattr(config, "name", type(config).__name__)),
        )
        base_lrs = list(state_dict.get("base_lrs", self.base_lrs))
        if len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"the saved scheduler had {len(base_lrs)} param groups, "
                f"this optimizer has {len(self.optimizer.param_groups)}"
            )
        self.base_lrs = [float(b) for b in base_lrs]
        for key, values in state_dict.get("base_values", {}).items():
            if key in self.base_values and len(values) == len(self.base_values[key]):
                self.base_values[key] = [float(v) for v in values]
        self._writers = []
        self._lanes = []
        self._step_count = int(state_dict.get("_step_count", step + 1))
        self.last_epoch = step
        self._apply()
