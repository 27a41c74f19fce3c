"""The torch scheduler behind ``reduce_lr_on_plateau`` (imports torch)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Literal, SupportsFloat

from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import ReduceLROnPlateau
from typing_extensions import override

from .. import functional as F
from .scheduler import ClosedFormLRScheduler

__all__ = ["PlateauScheduler"]

_STATE_KEYS = frozenset(
    {
        "last_epoch",
        "clock",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
        "base_lrs",
        "group_indices",
        "group_names",
        "warmup_steps",
        "_last_lr",
        "companion",
    }
)


def _set(group: dict[str, Any], value: float) -> None:
    if isinstance(group["lr"], Tensor):
        group["lr"].fill_(value)  # in place: a compiled optimizer step does not recompile
    else:
        group["lr"] = value


class PlateauScheduler(ReduceLROnPlateau):
    """torch's ``ReduceLROnPlateau`` rules, with a warmup in optimizer steps, a subset of
    param groups, and closed-form groups beside them — one scheduler, one Lightning dict.

    ``step(metric)`` (once per epoch, or every ``frequency`` epochs) applies torch's rules
    (best value, patience, cooldown, ``min_lr``, ``eps``); metrics reported while the warmup
    runs are ignored, so patience counting starts after it. Everything that moves at every
    optimizer step moves by itself, through an optimizer step hook: the warmup clock (the
    driven groups' LR is ``base · t / W`` for ``t < W``, then ``base``) and the
    ``companion``, a :class:`~nshsched.runtime.scheduler.ClosedFormLRScheduler` writing the
    other groups (a ``per_group`` config's closed-form groups, scheduled hyperparameters).
    ``step()`` without a metric does nothing (a loop that calls it after every optimizer step
    keeps working). Groups not in ``group_indices`` are never touched by the plateau rules.
    Tensor LRs are filled in place.

    Args:
        optimizer: The optimizer.
        group_indices: Indices of the param groups to drive (default: all).
        warmup_steps: Optimizer steps of the linear warmup (0: none).
        companion: A closed-form scheduler on the same optimizer, advanced at every
            optimizer step with the warmup clock.
        **others: torch's ``ReduceLROnPlateau`` arguments (``min_lr`` one value).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
        warmup_steps: int = 0,
        group_indices: Sequence[int] | None = None,
        companion: ClosedFormLRScheduler | None = None,
    ) -> None:
        super().__init__(
            optimizer,
            mode=mode,
            factor=factor,
            patience=patience,
            threshold=threshold,
            threshold_mode=threshold_mode,
            cooldown=cooldown,
            min_lr=min_lr,
            eps=eps,
        )
        groups = optimizer.param_groups
        n = len(groups)
        indices = list(range(n)) if group_indices is None else [int(i) for i in group_indices]
        bad = [i for i in indices if not 0 <= i < n]
        if bad or len(set(indices)) != len(indices):
            raise ValueError(
                f"group_indices={indices} must be distinct indices of the {n} param groups"
            )
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps=}")
        self.group_indices = indices
        self.group_names = [g.get("name") for g in groups]
        self._min_lr = float(min_lr)
        self.warmup_steps = int(warmup_steps)
        self.clock = 0
        """Optimizer steps counted by ``step()`` (the warmup's clock)."""
        for i in indices:
            initial = groups[i]["lr"]
            groups[i].setdefault(
                "initial_lr", initial.clone() if isinstance(initial, Tensor) else initial
            )
        self.base_lrs = [float(groups[i]["initial_lr"]) for i in indices]
        if self.warmup_steps:
            self._set_warmup_lrs()
        self.companion = companion
        self._hook = None
        if self.warmup_steps or companion is not None:
            # A callable object holding a weak reference: no closure, and a scheduler that is
            # dropped stops advancing (its state_dict is the plain values below, not __dict__).
            self._hook = optimizer.register_step_post_hook(_AdvanceOnStep(self))
        self._last_lr = [float(g["lr"]) for g in groups]

    @property
    def in_warmup(self) -> bool:
        """Whether the warmup is still running (metrics are then ignored)."""
        return self.clock < self.warmup_steps

    def _set_warmup_lrs(self) -> None:
        # the one warmup (a closure is not kept: the state holds plain values only)
        m = float(F.warmup(F.constant(1.0), self.warmup_steps)(self.clock))
        groups = self.optimizer.param_groups
        for i, base in zip(self.group_indices, self.base_lrs):
            _set(groups[i], float(base) * m)

    def advance(self) -> None:
        """One optimizer step: the warmup clock and the companion move on (called by the
        optimizer's step hook)."""
        self.clock += 1
        if self.clock <= self.warmup_steps:
            self._set_warmup_lrs()
        if self.companion is not None:
            self.companion.step()
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    @override
    def step(self, metrics: SupportsFloat | None = None, epoch: None = None) -> None:  # type: ignore[override]
        """``step(metric)``: one scheduler step with the monitored metric's value.
        ``step()`` without a metric does nothing: the warmup and the companion advance at
        every optimizer step by themselves."""
        if epoch is not None:
            raise ValueError("PlateauScheduler.step() does not take an epoch; use step_to")
        if metrics is None:
            return
        current = float(metrics)
        self.last_epoch += 1
        if not self.in_warmup:
            if self._is_better(current, self.best):
                self.best = current
                self.num_bad_epochs = 0
            else:
                self.num_bad_epochs += 1
            if self.in_cooldown:
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0  # bad steps during cooldown are not counted
            if self.num_bad_epochs > self.patience:
                self._reduce_lr(self.last_epoch)
                self.cooldown_counter = self.cooldown
                self.num_bad_epochs = 0
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    def step_to(self, n: int) -> None:
        """Move the warmup clock to optimizer step ``n`` (writes the warmup LR while it runs).

        Raises:
            ValueError: ``n`` is negative.
        """
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise ValueError(f"step_to: the step must be a whole number >= 0, got {n!r}")
        was_warming = self.in_warmup
        self.clock = int(n)
        if self.warmup_steps and (was_warming or self.in_warmup):
            self._set_warmup_lrs()
        if self.companion is not None:
            self.companion.step_to(int(n))
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    @override
    def _reduce_lr(self, epoch: Any) -> None:
        groups = self.optimizer.param_groups
        for i in self.group_indices:
            old = float(groups[i]["lr"])
            new = max(old * self.factor, self._min_lr)
            if old - new > self.eps:
                _set(groups[i], new)

    @override
    def state_dict(self) -> dict[str, Any]:
        """The counters, the best value and the LRs: plain Python values only."""
        return {
            "last_epoch": int(self.last_epoch),
            "clock": self.clock,
            "best": float(self.best),
            "num_bad_epochs": int(self.num_bad_epochs),
            "cooldown_counter": int(self.cooldown_counter),
            "base_lrs": [float(b) for b in self.base_lrs],
            "group_indices": list(self.group_indices),
            "group_names": list(self.group_names),
            "warmup_steps": self.warmup_steps,
            "_last_lr": [float(x) for x in self._last_lr],
            **({} if self.companion is None else {"companion": self.companion.state_dict()}),
        }

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the counters and set the driven groups' LRs to the saved ones.

        Raises:
            KeyError: Unknown keys in ``state_dict``.
            ValueError: It was saved for other param groups (names, order) or another warmup.
        """
        unknown = set(state_dict) - _STATE_KEYS
        if unknown:
            raise KeyError(f"unexpected keys in the plateau scheduler state: {sorted(unknown)}")
        names = state_dict.get("group_names")
        if names is not None and list(names) != self.group_names:
            raise ValueError(
                f"the saved plateau scheduler drives param groups {list(names)}, this optimizer "
                f"has {self.group_names}: the groups must be the same, in the same order"
            )
        for key in ("group_indices", "warmup_steps"):
            if key in state_dict and state_dict[key] != getattr(self, key):
                raise ValueError(
                    f"the saved plateau scheduler has {key}={state_dict[key]}, "
                    f"this one has {key}={getattr(self, key)}"
                )
        self.last_epoch = int(state_dict["last_epoch"])
        self.clock = int(state_dict.get("clock", 0))
        self.best = float(state_dict["best"])
        self.num_bad_epochs = int(state_dict["num_bad_epochs"])
        self.cooldown_counter = int(state_dict["cooldown_counter"])
        self.base_lrs = [float(b) for b in state_dict.get("base_lrs", self.base_lrs)]
        saved = state_dict.get("_last_lr")
        groups = self.optimizer.param_groups
        if saved is not None:
            if len(saved) != len(groups):
                raise ValueError(
                    f"the saved plateau scheduler had {len(saved)} param groups, "
                    f"this optimizer has {len(groups)}"
                )
            for i in self.group_indices:
                _set(groups[i], float(saved[i]))
        if self.companion is not None:
            if "companion" not in state_dict:
                raise ValueError(
                    "the saved plateau scheduler drove no closed-form groups beside its own; "
                    "this one does: resume with the config it was saved with"
                )
            self.companion.load_state_dict(state_dict["companion"])
        self._last_lr = [float(g["lr"]) for g in groups]


class _AdvanceOnStep:
    """The optimizer step hook of a :class:`PlateauScheduler` (holds it weakly)."""

    __slots__ = ("scheduler",)

    def __init__(self, scheduler: PlateauScheduler) -> None:
        self.scheduler = weakref.ref(scheduler)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        scheduler = self.scheduler()
        if scheduler is not None:
            scheduler.advance()
