"""The torch scheduler behind ``reduce_lr_on_plateau`` (imports torch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, SupportsFloat

from torch.optim import Optimizer
from torch.optim.lr_scheduler import ReduceLROnPlateau
from typing_extensions import override

from .. import functional as F

__all__ = ["PlateauScheduler"]

_STATE_KEYS = (
    "last_epoch",
    "best",
    "num_bad_epochs",
    "cooldown_counter",
    "base_lrs",
    "group_indices",
    "warmup_steps",
    "_last_lr",
)


class PlateauScheduler(ReduceLROnPlateau):
    """torch's ``ReduceLROnPlateau`` rules, with a warmup and a subset of param groups.

    For the first ``warmup_steps`` calls of :meth:`step` the driven groups' LR rises
    linearly from 0 to their base LR and the metric is ignored; then torch's rules apply
    unchanged (best value, patience, cooldown, ``min_lr``, ``eps``). Groups not in
    ``group_indices`` are never touched, so other schedulers may drive them.

    Args:
        optimizer: The optimizer.
        group_indices: Indices of the param groups to drive (default: all).
        warmup_steps: Scheduler steps of the linear warmup (0: none).
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
        n = len(optimizer.param_groups)
        indices = list(range(n)) if group_indices is None else [int(i) for i in group_indices]
        bad = [i for i in indices if not 0 <= i < n]
        if bad or len(set(indices)) != len(indices):
            raise ValueError(
                f"group_indices={indices} must be distinct indices of the {n} param groups"
            )
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps=}")
        self.group_indices = indices
        self._min_lr = float(min_lr)
        self.warmup_steps = int(warmup_steps)
        self._warmup = F.warmup(F.constant(1.0), self.warmup_steps)
        groups = optimizer.param_groups
        for i in indices:
            groups[i].setdefault("initial_lr", groups[i]["lr"])
        self.base_lrs = [float(groups[i]["initial_lr"]) for i in indices]
        if self.warmup_steps:
            self._set_warmup_lrs(0)
        self._last_lr = [float(g["lr"]) for g in groups]

    def _set_warmup_lrs(self, u: int) -> None:
        m = self._warmup(u)
        groups = self.optimizer.param_groups
        for i, base in zip(self.group_indices, self.base_lrs):
            groups[i]["lr"] = base * m

    @override
    def step(self, metrics: SupportsFloat, epoch: None = None) -> None:  # type: ignore[override]
        """One scheduler step with the monitored metric's value."""
        if epoch is not None:
            raise ValueError("PlateauScheduler.step() does not take an epoch")
        current = float(metrics)
        self.last_epoch += 1
        if self.last_epoch <= self.warmup_steps:
            self._set_warmup_lrs(self.last_epoch)  # metric ignored during the warmup
        else:
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

    @override
    def _reduce_lr(self, epoch: Any) -> None:
        groups = self.optimizer.param_groups
        for i in self.group_indices:
            old = float(groups[i]["lr"])
            new = max(old * self.factor, self._min_lr)
            if old - new > self.eps:
                groups[i]["lr"] = new

    @override
    def state_dict(self) -> dict[str, Any]:
        """The counters, the best value and the LRs: plain Python values only."""
        return {
            "last_epoch": int(self.last_epoch),
            "best": float(self.best),
            "num_bad_epochs": int(self.num_bad_epochs),
            "cooldown_counter": int(self.cooldown_counter),
            "base_lrs": [float(b) for b in self.base_lrs],
            "group_indices": list(self.group_indices),
            "warmup_steps": self.warmup_steps,
            "_last_lr": [float(x) for x in self._last_lr],
        }

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the counters and set the driven groups' LRs to the saved ones.

        Raises:
            KeyError: Unknown keys in ``state_dict``.
            ValueError: It was saved by a scheduler driving other groups or with another
                warmup.
        """
        unknown = set(state_dict) - set(_STATE_KEYS)
        if unknown:
            raise KeyError(f"unexpected keys in the plateau scheduler state: {sorted(unknown)}")
        for key in ("group_indices", "warmup_steps"):
            if key in state_dict and state_dict[key] != getattr(self, key):
                raise ValueError(
                    f"the saved plateau scheduler has {key}={state_dict[key]}, "
                    f"this one has {key}={getattr(self, key)}"
                )
        self.last_epoch = int(state_dict["last_epoch"])
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
                groups[i]["lr"] = float(saved[i])
        self._last_lr = [float(g["lr"]) for g in groups]
