"""Real ``lightning.Trainer`` fits of tiny models on the CPU: a quiet trainer, data, and the
LRs a fit used or logged."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Any

import lightning.pytorch as L
import torch

QUIET: dict[str, Any] = dict(
    accelerator="cpu",
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
    num_sanity_val_steps=0,
)
"""A fit that only trains: CPU, no logger, checkpoints, progress bar, model summary or sanity
validation."""


def tiny_trainer(**kwargs: Any) -> L.Trainer:
    """A ``Trainer`` set up as :data:`QUIET`, ``kwargs`` over it."""
    return L.Trainer(**(QUIET | kwargs))


def monitored_trainer(log_dir: Path, *, momentum: bool = False, **kwargs: Any) -> L.Trainer:
    """:func:`tiny_trainer` whose ``LearningRateMonitor`` writes every optimizer step's LRs
    (and momentum and weight decay with ``momentum=True``) to ``metrics.csv`` under
    ``log_dir`` (:func:`logged_rows` reads them)."""
    monitor = L.callbacks.LearningRateMonitor(
        logging_interval="step",
        **(dict(log_momentum=True, log_weight_decay=True) if momentum else {}),
    )
    return tiny_trainer(
        logger=L.loggers.CSVLogger(log_dir, name="run"),
        callbacks=[monitor],
        log_every_n_steps=1,
        **kwargs,
    )


def logged_rows(log_dir: Path) -> list[dict[str, str]]:
    """The rows of the ``metrics.csv`` a ``CSVLogger`` wrote under ``log_dir``."""
    with open(next(Path(log_dir).rglob("metrics.csv"))) as f:
        return list(csv.DictReader(f))


def quiet_fit(trainer: L.Trainer, *args: Any, **kwargs: Any) -> None:
    """``trainer.fit(*args, **kwargs)`` with Lightning's advice on tiny fits silenced (too few
    workers, batches, log steps)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(*args, **kwargs)


def loader(data: torch.Tensor, batch_size: int = 2) -> torch.utils.data.DataLoader:
    """Batches of ``batch_size`` rows of ``data``, in order (each batch a 1-tuple)."""
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data), batch_size=batch_size)


class LRRecorder(L.Callback):
    """Every param group's LR that each optimizer step uses (read just before the step)."""

    def __init__(self) -> None:
        self.lrs: list[list[float]] = []

    def on_before_optimizer_step(
        self, trainer: L.Trainer, module: L.LightningModule, optimizer: Any
    ) -> None:
        self.lrs.append([float(g["lr"]) for g in optimizer.param_groups])
