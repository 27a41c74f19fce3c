"""DINO-style weight decay: 0.04 -> 0.4 on a cosine, next to a warmup-cosine LR.

    python examples/dino_weight_decay.py [--epochs 4] [--steps-per-epoch 10]

``OptimizationConfig.hyperparameters`` schedules any param-group value on the same runtime
as the LR: one scheduler writes both, its state resumes both, ``preview(..., key=...)``
shows both. With ``start``/``end`` the optimizer default's weight decay runs from ``start``
to ``end``; each group keeps its ratio to the default, so the no-decay groups (biases,
norms, and the names the model's ``no_weight_decay()`` returns) stay at 0.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

import nshsched as S

CONFIG = {
    "optimizer": {"name": "adamw", "lr": 5e-4, "weight_decay": 0.04},
    "scheduler": {"name": "cosine", "warmup": {"kind": "fraction", "value": 0.1}},
    "no_weight_decay": True,
    "hyperparameters": {
        "weight_decay": {"schedule": {"name": "cosine"}, "start": 0.04, "end": 0.4},
    },
}


class Student(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 8))
        self.body = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.LayerNorm(16))
        self.head = nn.Linear(16, 4)

    def no_weight_decay(self) -> set[str]:
        return {"cls_token"}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x + self.cls_token))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps-per-epoch", type=int, default=10)
    args = parser.parse_args(argv)

    config = S.OptimizationConfig.model_validate(CONFIG)
    length = S.TrainingLength(
        steps_per_epoch=args.steps_per_epoch, total_steps=args.epochs * args.steps_per_epoch
    )
    torch.manual_seed(0)
    model = Student()
    optimizer, scheduler = config.build(model, length)
    names = [g["name"] for g in optimizer.param_groups]
    want_lr = S.preview(config, length, model=model)
    want_wd = S.preview(config, length, model=model, key="weight_decay")

    got_lr, got_wd = [], []
    for _ in range(length.total_steps + 1):
        got_lr.append([g["lr"] for g in optimizer.param_groups])
        got_wd.append([g["weight_decay"] for g in optimizer.param_groups])
        x = torch.randn(16, 8)
        loss = model(x).logsumexp(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(got_lr, want_lr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got_wd, want_wd, rtol=1e-12, atol=1e-15)
    for i, name in enumerate(names):
        print(f"{name:18} weight decay {want_wd[0, i]:.3f} -> {want_wd[-1, i]:.3f}")
    print(f"{length.total_steps} steps, LR and weight decay equal to nshsched.preview")


if __name__ == "__main__":
    main()
