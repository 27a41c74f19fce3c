"""Schedule-free optimizers under Lightning: train mode for training steps, eval mode for
everything else, switched for the user.

A schedule-free optimizer (``schedule_free_adamw``, ``schedule_free_sgd``,
``schedule_free_radam``, or any optimizer with the ``schedulefree`` package's
``train()``/``eval()`` convention) holds the point where gradients are taken in the
parameters while in train mode, and the averaged weights (what should be evaluated and
saved) in eval mode. :class:`ScheduleFreeCallback` switches:

- to **train** mode at the start of every training batch (a no-op when it already is);
- to **eval** mode when validation, test or prediction starts, at the end of each training
  epoch, and when training ends (so the model after ``fit`` holds the averaged weights);
- for checkpoints: a checkpoint saved while in train mode is rewritten to the eval-mode
  weights and optimizer state in ``on_save_checkpoint`` (the optimizer is left in eval mode
  and goes back to train mode at the next training batch). Weights-only checkpoints
  (``ModelCheckpoint(save_weights_only=True)``) do not call that hook, so with such a
  checkpoint callback the optimizer also goes to eval mode after every training batch.

Every value it touches is a tensor or a plain number in the optimizer's own state (the
``train_mode`` flag of each param group): checkpoints load under
``torch.load(weights_only=True)``, and a resumed run (``trainer.fit(ckpt_path=...)``) starts
from the saved eval-mode weights and returns to train mode at its first training batch.

:meth:`nshsched.OptimizationConfig.configure_optimizers` and
:meth:`nshsched.OptimizersConfig.configure_optimizers` attach one instance by themselves
when they build a schedule-free optimizer (see :func:`attach`), placed before the
checkpoint callbacks so that its hooks run first. Add it to ``Trainer(callbacks=[...])``
yourself when you build the optimizer some other way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lightning.pytorch import Callback

from .schedule_free import is_schedule_free

__all__ = ["ScheduleFreeCallback", "attach"]


def _schedule_free(trainer: Any) -> list[Any]:
    return [opt for opt in getattr(trainer, "optimizers", []) if is_schedule_free(opt)]


def _in_train_mode(optimizer: Any) -> bool:
    return any(group.get("train_mode", False) for group in optimizer.param_groups)


class ScheduleFreeCallback(Callback):
    """Puts the trainer's schedule-free optimizers in train mode for training steps and in
    eval mode for validation, test, prediction, checkpoints and after training (see
    :mod:`nshsched.integrations.schedule_free`).

    Example:
        >>> import lightning, nshsched as S
        >>> trainer = lightning.Trainer(callbacks=[S.ScheduleFreeCallback()], logger=False)
        >>> [type(c).__name__ for c in trainer.callbacks][:1]
        ['ScheduleFreeCallback']
    """

    @staticmethod
    def to_train_mode(trainer: Any) -> None:
        """Every schedule-free optimizer of ``trainer`` to train mode."""
        for optimizer in _schedule_free(trainer):
            optimizer.train()

    @staticmethod
    def to_eval_mode(trainer: Any) -> None:
        """Every schedule-free optimizer of ``trainer`` to eval mode."""
        for optimizer in _schedule_free(trainer):
            optimizer.eval()

    def on_train_batch_start(
        self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int
    ) -> None:
        self.to_train_mode(trainer)

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        # A weights-only checkpoint saved now would not pass through on_save_checkpoint.
        if any(getattr(cb, "save_weights_only", False) for cb in trainer.checkpoint_callbacks):
            self.to_eval_mode(trainer)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self.to_eval_mode(trainer)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        self.to_eval_mode(trainer)

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        self.to_eval_mode(trainer)

    def on_test_start(self, trainer: Any, pl_module: Any) -> None:
        self.to_eval_mode(trainer)

    def on_predict_start(self, trainer: Any, pl_module: Any) -> None:
        self.to_eval_mode(trainer)

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        optimizers = _schedule_free(trainer)
        if not any(_in_train_mode(opt) for opt in optimizers):
            return
        # Lightning has already read the weights and optimizer states (in train mode): read
        # them again, the way Lightning does, after switching to the averaged weights.
        self.to_eval_mode(trainer)
        strategy = trainer.strategy
        checkpoint["state_dict"] = strategy.lightning_module_state_dict()
        if "optimizer_states" in checkpoint:
            checkpoint["optimizer_states"] = [
                strategy.optimizer_state(o) for o in trainer.optimizers
            ]


def attach(lightning_module: Any, optimizers: Iterable[Any]) -> None:
    """Add a :class:`ScheduleFreeCallback` to the module's trainer when one of
    ``optimizers`` is schedule-free and the trainer has none yet; it goes before the first
    checkpoint callback (Lightning calls callbacks in list order), else last."""
    if not any(is_schedule_free(opt) for opt in optimizers):
        return
    try:
        trainer = lightning_module.trainer
    except (AttributeError, RuntimeError):  # not attached to a Trainer: a plain loop
        return
    if trainer is None:
        return
    from lightning.pytorch.callbacks import Checkpoint

    callbacks = trainer.callbacks
    if any(isinstance(cb, ScheduleFreeCallback) for cb in callbacks):
        return
    index = next(
        (i for i, cb in enumerate(callbacks) if isinstance(cb, Checkpoint)), len(callbacks)
    )
    callbacks.insert(index, ScheduleFreeCallback())
