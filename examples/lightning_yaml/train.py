"""Train a tiny regression model with Lightning, its optimization read from a YAML file.

    python examples/lightning_yaml/train.py [--config config.yaml] [--max-epochs 3]

The YAML file holds an ``nshsched.OptimizationConfig`` (optimizer, schedule, param groups);
the LightningModule's ``configure_optimizers`` is one line. Runs on CPU in seconds. At the
end it prints the learning rates Lightning's ``LearningRateMonitor`` logged per param group.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import lightning as L
import torch
import yaml
from torch import nn

import nshsched as S

HERE = Path(__file__).resolve().parent


class Regressor(L.LightningModule):
    def __init__(self, optimization: S.OptimizationConfig) -> None:
        super().__init__()
        self.optimization = optimization
        self.body = nn.Sequential(nn.Linear(8, 32), nn.LayerNorm(32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):  # type: ignore[override]
        return self.optimization.configure_optimizers(self)


class RecordLR(L.Callback):
    """Keeps every param group's LR after each optimizer step (what the schedule set)."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        for group in trainer.optimizers[0].param_groups:
            self.history.setdefault(group["name"], []).append(group["lr"])


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "config.yaml")
    parser.add_argument("--max-epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)

    optimization = S.OptimizationConfig.model_validate(yaml.safe_load(args.config.read_text()))
    torch.manual_seed(0)
    x = torch.randn(args.samples, 8)
    y = x @ torch.randn(8, 1) + 0.1 * torch.randn(args.samples, 1)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=args.batch_size, shuffle=True
    )

    record = RecordLR()
    trainer = L.Trainer(
        max_epochs=args.max_epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[record],
    )
    trainer.fit(Regressor(optimization), loader)

    for name, lrs in record.history.items():
        peak = max(lrs)
        print(
            f"{name:<18} steps={len(lrs):4d} peak lr={peak:.2e} at step {lrs.index(peak)}, final lr={lrs[-1]:.2e}"
        )
    return record.history


if __name__ == "__main__":
    main()
