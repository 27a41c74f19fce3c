"""Schedulers that step another torch scheduler their own way: :class:`SteppingWrapper`, the
one way nshsched wraps a scheduler's stepping, and :class:`EveryNScheduler`, which applies a
step-interval ``frequency`` to a scheduler that is not closed-form."""

from __future__ import annotations

from typing import Any

from torch.optim.lr_scheduler import LRScheduler
from typing_extensions import override

__all__ = ["EveryNScheduler", "SteppingWrapper"]


class SteppingWrapper(LRScheduler):
    """A torch scheduler that steps another one (:attr:`inner`) its own way.

    The one way nshsched wraps a scheduler's stepping: torch's ``__init__`` is not called
    (it would write the LRs again), the public attributes mirror the inner scheduler's, and a
    subclass says what one :meth:`step` does (:meth:`advance`) and what its step count is
    (:meth:`position`).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.optimizer = inner.optimizer
        self.base_lrs = list(inner.base_lrs)
        self._step_count = 1
        self._sync()

    def advance(self) -> None:
        """What one :meth:`step` does to the inner scheduler."""
        self.inner.step()

    def position(self) -> int:
        """This scheduler's step count (``last_epoch``)."""
        return int(self.inner.last_epoch)

    def _sync(self) -> None:
        self.last_epoch = self.position()
        self._last_lr = list(self.inner.get_last_lr())

    @override
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        if epoch is not None:
            raise ValueError(f"{type(self).__name__}.step() does not take an epoch")
        self._step_count += 1
        self.advance()
        self._sync()

    @override
    def get_lr(self) -> list[Any]:  # type: ignore[override]
        return list(self.inner.get_last_lr())


class EveryNScheduler(SteppingWrapper):
    """Steps an arbitrary torch scheduler once every ``n`` calls of :meth:`step`.

    This is how a step-interval ``frequency`` is applied to schedulers that are not
    closed-form (Lightning's own counting is in batches within an epoch, which misfires under
    gradient accumulation).
    """

    def __init__(self, inner: LRScheduler, n: int) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n=}")
        self.n = n
        self.calls = 0
        super().__init__(inner)

    @override
    def advance(self) -> None:
        self.calls += 1
        if self.calls % self.n == 0:
            self.inner.step()

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "inner": self.inner.state_dict()}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.calls = int(state_dict["calls"])
        self.inner.load_state_dict(state_dict["inner"])
        self._sync()
