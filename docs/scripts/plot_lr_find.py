"""Generate ``docs/img/lr_find.png``: the LR finder's plot for the example of ``docs/lr_find.md``.

Run from the repository root::

    python docs/scripts/plot_lr_find.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from lightning.pytorch import LightningModule, seed_everything
from torch.utils.data import DataLoader, TensorDataset

import nshsched as S

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img" / "lr_find.png"


class Regressor(LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Linear(8, 16)
        self.head = torch.nn.Linear(16, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.head(self.body(x)).squeeze(-1), y)


def data() -> DataLoader:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = x @ torch.linspace(-2.0, 2.0, 8) + 0.1 * torch.randn(512, generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=g)


CONFIG = S.OptimizationConfig.model_validate(
    {
        "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9},
        "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 0.1}],
    }
)


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    seed_everything(0, verbose=False)
    result = S.lr_find(CONFIG, Regressor(), data(), min_lr=1e-5, max_lr=10.0, num_steps=120)
    fig = result.plot()
    fig.savefig(OUT, dpi=100, metadata={"Software": None})
    print(f"wrote {OUT.relative_to(ROOT)} (suggestion {result.suggestion:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
