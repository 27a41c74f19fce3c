"""Warnings point at the user's line (``warnings``' ``filename``), not at nshsched's."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from lightning.pytorch import LightningModule
from torch.utils.data import DataLoader, IterableDataset

import nshsched as S
from _helpers.lightning import tiny_trainer
from nshsched.runtime.checks import HorizonWarning


def test_param_group_scheduler_warning_points_at_the_caller() -> None:
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {"name": "linear"},
            "param_groups": [{"name": "head", "params": ["1.*"], "scheduler": None}],
        }
    )
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    with pytest.warns(UserWarning, match=r"set their own scheduler") as record:
        config.build(model, S.TrainingLength(steps_per_epoch=2, total_steps=4))
    assert [w.filename for w in record] == [__file__]


def test_horizon_warning_points_at_the_caller() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    cfg = S.CosineAnnealingLRConfig(T_max=2)
    with pytest.warns(HorizonWarning, match="cosine_annealing_lr") as record:
        cfg.create_scheduler(opt, S.TrainingLength(steps_per_epoch=1, total_steps=10))
    assert [w.filename for w in record] == [__file__]


class _Stream(IterableDataset):
    def __iter__(self) -> Any:
        g = torch.Generator().manual_seed(0)
        while True:
            yield torch.randn(2, generator=g)


class _Model(LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)
        self.config = S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "sgd", "lr": 0.1}, "scheduler": {"name": "linear"}}
        )

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        return self.layer(batch).pow(2).mean()

    def configure_optimizers(self) -> Any:
        return self.config.configure_optimizers(self)  # the user's line


def test_unknown_epoch_length_warning_points_at_configure_optimizers(tmp_path) -> None:
    trainer = tiny_trainer(max_steps=3, default_root_dir=tmp_path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        trainer.fit(_Model(), DataLoader(_Stream(), batch_size=4))
    ours = [w for w in record if "the train dataloader has no length" in str(w.message)]
    assert ours, [str(w.message) for w in record]
    assert {w.filename for w in ours} == {__file__}
