"""The one torch scheduler behind every closed-form config (imports torch)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler
from typing_extensions import override

from ..functional import LRCurve

__all__ = ["ClosedFormLRScheduler", "EveryNScheduler"]

_STATE_KEYS = ("last_epoch", "_step_count", "base_lrs", "_last_lr")


class ClosedFormLRScheduler(LRScheduler):
    """Sets each param group's LR to ``base_lr * scale(u) + offset(u)`` from a closed form.

    ``u`` is the number of :meth:`step` calls, integer-divided by ``every`` (nshsched applies
    a step-interval ``frequency`` itself). Nothing is carried from one step to the next: the
    same ``u`` always gives the same LRs, whatever happened before (a resume, a manual edit of
    ``group["lr"]``, a seek with ``step(epoch)``).

    Args:
        optimizer: The optimizer whose groups are driven.
        curves: One curve per param group, or ``None`` to keep that group at its base LR.
        every: Advance the schedule once every ``every`` calls of :meth:`step`.
        last_epoch: torch's resume argument: the index of the last step taken.
        skip: Indices of param groups this scheduler never writes (another scheduler drives
            them, e.g. the plateau groups of a ``per_group`` config). Unlike a ``None`` curve,
            which holds a group at its base LR, a skipped group is left untouched.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        curves: Sequence[LRCurve | None],
        every: int = 1,
        last_epoch: int = -1,
        *,
        skip: Iterable[int] = (),
    ) -> None:
        if len(curves) != len(optimizer.param_groups):
            raise ValueError(
                f"got {len(curves)} schedules for {len(optimizer.param_groups)} param groups"
            )
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every=}")
        self._curves = list(curves)
        self._every = every
        self._skip = frozenset(skip)
        bad = sorted(i for i in self._skip if not 0 <= i < len(self._curves))
        if bad:
            raise ValueError(f"skip: no param groups with indices {bad}")
        first = self._curves[0] if self._curves else None
        # Fast path: one multiplier shared by every group (the common case).
        self._shared = (
            first.scale
            if first is not None
            and first.offset is None
            and first.momentum is None
            and not self._skip
            and all(c is first for c in self._curves)
            else None
        )
        self._has_momentum = any(c is not None and c.momentum is not None for c in self._curves)
        self._m: Any = None  # the shared multiplier of the last fast-path step
        self._lrs: list[Any] = []
        super().__init__(optimizer, last_epoch)

    @property
    def _last_lr(self) -> list[Any]:  # type: ignore[override]
        # Built on demand: the fast path of step() only keeps the shared multiplier.
        m = self._m
        if m is not None:
            return [base * m for base in self.base_lrs]
        return self._lrs

    @_last_lr.setter
    def _last_lr(self, value: list[Any]) -> None:
        self._lrs = value
        self._m = None

    @property
    def schedule_step(self) -> int:
        """The step of the schedule now in force (``last_epoch // every``)."""
        return self.last_epoch // self._every

    @override
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance one step, or jump to step ``epoch`` (an O(1) seek: the schedule is closed-form)."""
        self._step_count += 1
        self.last_epoch = last = self.last_epoch + 1 if epoch is None else epoch
        shared = self._shared
        if shared is None:
            self._apply()
            return
        # Fast path, inlined (one multiplier for every group, no offset/momentum/skip): the
        # same values as _apply, without its per-group dispatch.
        # The LR list for get_last_lr() is built on demand from the multiplier.
        self._m = m = shared(last if self._every == 1 else last // self._every)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * m

    def _apply(self) -> None:
        u = self.last_epoch if self._every == 1 else self.last_epoch // self._every
        shared = self._shared
        if shared is not None:
            m = shared(u)
            lrs = [base * m for base in self.base_lrs]
        else:
            lrs = [
                base if curve is None else curve.lr(u, base)
                for base, curve in zip(self.base_lrs, self._curves)
            ]
        if self._skip:
            groups = self.optimizer.param_groups
            for i in self._skip:
                lrs[i] = groups[i]["lr"]  # driven by another scheduler: report, never write
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs
        if self._has_momentum:
            self._apply_momentum(u)

    def _apply_momentum(self, u: int) -> None:
        for i, (group, curve) in enumerate(zip(self.optimizer.param_groups, self._curves)):
            if curve is None or curve.momentum is None or i in self._skip:
                continue
            value = curve.momentum(u)
            if value is None:
                continue
            if "betas" in group:
                group["betas"] = (value, *group["betas"][1:])
            else:
                group["momentum"] = value

    @override
    def get_lr(self) -> list[Any]:  # type: ignore[override]
        """The LRs the schedule gives at the current step (no state is changed)."""
        u = self.schedule_step
        groups = self.optimizer.param_groups
        return [
            groups[i]["lr"]
            if i in self._skip
            else base
            if curve is None
            else float(curve.lr(u, base))
            for i, (base, curve) in enumerate(zip(self.base_lrs, self._curves))
        ]

    @override
    def state_dict(self) -> dict[str, Any]:
        """Plain Python values only (safe for ``torch.load(weights_only=True)``)."""
        return {
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "base_lrs": [float(b) for b in self.base_lrs],
            "_last_lr": [float(x) for x in self._last_lr],
        }

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the step and base LRs, then set every group's LR from the closed form."""
        unknown = set(state_dict) - set(_STATE_KEYS)
        if unknown:
            raise KeyError(f"unexpected keys in the scheduler state: {sorted(unknown)}")
        base_lrs = list(state_dict.get("base_lrs", self.base_lrs))
        if len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"the saved scheduler had {len(base_lrs)} param groups, "
                f"this optimizer has {len(self.optimizer.param_groups)}"
            )
        self.base_lrs = base_lrs
        self.last_epoch = int(state_dict["last_epoch"])
        self._step_count = int(state_dict.get("_step_count", self.last_epoch + 1))
        self._apply()


class EveryNScheduler(LRScheduler):
    """Steps an arbitrary torch scheduler once every ``n`` calls of :meth:`step`.

    This is how a step-interval ``frequency`` is applied to schedulers that are not
    closed-form (Lightning's own counting is in batches within an epoch, which misfires under
    gradient accumulation).
    """

    def __init__(self, inner: LRScheduler, n: int) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n=}")
        # torch's __init__ would reset the LRs: set the public attributes by hand.
        self.inner = inner
        self.n = n
        self.calls = 0
        self.optimizer = inner.optimizer
        self.base_lrs = list(inner.base_lrs)
        self.last_epoch = inner.last_epoch
        self._step_count = 1
        self._last_lr = list(inner.get_last_lr())

    @override
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        if epoch is not None:
            raise ValueError("EveryNScheduler.step() does not take an epoch")
        self.calls += 1
        self._step_count += 1
        if self.calls % self.n == 0:
            self.inner.step()
        self.last_epoch = self.inner.last_epoch
        self._last_lr = list(self.inner.get_last_lr())

    @override
    def get_lr(self) -> list[Any]:  # type: ignore[override]
        return list(self.inner.get_last_lr())

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "inner": self.inner.state_dict()}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.calls = int(state_dict["calls"])
        self.inner.load_state_dict(state_dict["inner"])
        self.last_epoch = self.inner.last_epoch
        self._last_lr = list(self.inner.get_last_lr())
