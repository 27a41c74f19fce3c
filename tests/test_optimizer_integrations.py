"""Optimizers beyond torch.optim meet every feature: param groups, layer decay,
no-weight-decay, hyperparameter schedules, several optimizers, ``describe`` and ``lr_find``,
on representatives (timm's ``lion``, ``lamb``, ``adan``; ``schedule_free_adamw``)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from lightning.pytorch import LightningModule
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nshsched as S
from _helpers.lanes import require_timm


def _timm_optim_or_skip() -> None:
    require_timm("timm.optim")  # a skip only in CI's floor lane, where timm cannot be installed
    from nshsched.optimizer import timm as T

    T.register(required=True)  # idempotent (a registry may have been restored since)


TAGS = ["lion", "lamb", "adan", "schedule_free_adamw"]
# schedule-free optimizers want no decay: a warmup then constant; the others a cosine.
SCHEDULES = {
    "schedule_free_adamw": {"name": "constant_with_warmup", "warmup": 3},
    "default": {"name": "cosine", "warmup": 3},
}


@pytest.fixture(params=TAGS)
def tag(request: pytest.FixtureRequest) -> str:
    if request.param != "schedule_free_adamw":
        _timm_optim_or_skip()
    return str(request.param)


class Blocks(nn.Module):
    """timm's naming: an embedding, numbered blocks, a final norm and a head."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.patch_embed = nn.Linear(4, 6)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(6, 6), nn.LayerNorm(6)) for _ in range(3)
        )
        self.norm = nn.LayerNorm(6)
        self.head = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for block in self.blocks:
            x = x + torch.tanh(block(x))
        return self.head(self.norm(x))

    def no_weight_decay(self) -> set[str]:
        return {"patch_embed.weight"}


def _config(tag: str) -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": tag, "lr": 0.01, "weight_decay": 0.05},
            "scheduler": SCHEDULES.get(tag, SCHEDULES["default"]),
            "param_groups": [{"name": "head", "params": ["*head.*"], "lr_scale": 10}],
            "no_weight_decay": True,
            "layer_decay": {"rate": 0.5},
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "cosine"}, "start": 0.05, "end": 0.1}
            },
        }
    )


def test_groups_layer_decay_no_decay_and_schedules_step_as_previewed(tag: str) -> None:
    model = Blocks()
    config = _config(tag)
    length = S.TrainingLength(steps_per_epoch=4, total_steps=8)
    optimizer, scheduler = config.build(model, length)
    names = [g["name"] for g in optimizer.param_groups]
    assert "head" in names and "default.layer0" in names and "default_no_decay.layer2" in names
    # patch_embed.weight is in no_weight_decay() (timm's convention), its bias is 1-D
    assert "default_no_decay.embeddings" in names and "default.embeddings" not in names
    assert S.preview_groups(config, model) == names
    lrs = S.preview(config, length, model=model)
    decays = S.preview(config, length, model=model, key="weight_decay")
    x, y = torch.randn(8, 4), torch.randn(8, 2)
    before = [p.detach().clone() for p in model.parameters()]
    for step in range(length.total_steps):
        np.testing.assert_allclose([g["lr"] for g in optimizer.param_groups], lrs[step], rtol=1e-9)
        np.testing.assert_allclose(
            [g["weight_decay"] for g in optimizer.param_groups], decays[step], rtol=1e-9
        )
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        scheduler.step()
    # layer i of L = 3 at rate 0.5: lr x 0.5 ** (3 - i); the head x 10; no-decay groups 0
    peak = lrs[3]  # after the 3-step warmup
    by_name = dict(zip(names, peak))
    assert by_name["default.layer0"] == pytest.approx(0.01 * 0.5**3, rel=1e-12)
    assert by_name["default_no_decay.embeddings"] == pytest.approx(0.01 * 0.5**4, rel=1e-12)
    assert by_name["head"] == pytest.approx(0.1, rel=1e-12)
    assert all(d == 0 for n, d in zip(names, decays[5]) if "_no_decay" in n)
    after = list(model.parameters())
    assert all(torch.isfinite(p).all() for p in after)
    assert all(not torch.equal(a, b) for a, b in zip(before, after))


def test_describe_lists_the_groups(tag: str) -> None:
    table = _config(tag).describe(Blocks())
    for name in ("head", "default.layer0", "default_no_decay.last", "default_no_decay.embeddings"):
        assert name in table


def test_several_optimizers(tag: str) -> None:
    _timm_optim_or_skip()  # the second entry is timm's lion
    model = Blocks()
    config = S.OptimizersConfig.model_validate(
        {
            "optimizers": {
                "trunk": {"optimizer": {"name": tag, "lr": 0.01}},
                "head": {"module": "head", "optimizer": {"name": "lion", "lr": 1e-3}},
            }
        }
    )
    built = config.build(model, S.TrainingLength(steps_per_epoch=2, total_steps=4))
    assert type(built["head"][0]).__name__ == "Lion"
    trunk = built["trunk"][0]
    assert {id(p) for g in trunk.param_groups for p in g["params"]}.isdisjoint(
        id(p) for p in model.head.parameters()
    )
    x = torch.randn(4, 4)
    for _ in range(2):
        for optimizer, _ in built.values():
            optimizer.zero_grad()
        nn.functional.mse_loss(model(x), torch.zeros(4, 2)).backward()
        for optimizer, _ in built.values():
            optimizer.step()
    assert all(torch.isfinite(p).all() for p in model.parameters())


class Regressor(LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = Blocks()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)


def test_lr_find_sweeps_and_restores(tag: str) -> None:
    module = Regressor()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=g)
    data = DataLoader(TensorDataset(x, x[:, :2] * 2), batch_size=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Lightning's notes about the tiny run
        result = S.lr_find(
            _config(tag), module, data, min_lr=1e-5, max_lr=1e-1, num_steps=12,
            early_stop_threshold=None,
        )  # fmt: skip
    assert len(result.lrs) == 12 and np.isfinite(result.losses).all()
    np.testing.assert_allclose(result.lrs, [1e-5 * 1e4 ** (k / 11) for k in range(12)], rtol=1e-12)
    for key, value in module.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)
