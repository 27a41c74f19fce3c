"""A plain PyTorch training loop with ``OptimizationConfig.build`` (no Lightning).

    python examples/plain_pytorch.py [--epochs 5] [--steps-per-epoch 20]

The config is written in Python here (it could as well come from YAML/JSON). ``build``
returns the optimizer and the scheduler; a closed-form schedule (``interval: step``) is
stepped after every optimizer step. Halfway through, the loop saves the scheduler's state
and resumes a fresh scheduler from it: the learning rates go on exactly as before.
"""

from __future__ import annotations

import argparse
import math

import torch
from torch import nn

import nshsched as S


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps-per-epoch", type=int, default=20)
    args = parser.parse_args(argv)

    config = S.OptimizationConfig(
        optimizer=S.SGDConfig(lr=0.05, momentum=0.9),
        scheduler=S.lr_scheduler_registry.construct(
            {
                "name": "linear_warmup_cosine_decay",
                "warmup_duration": {"kind": "epochs", "value": 1},
                "max_duration": {"kind": "fraction", "value": 1.0},
                "min_lr_factor": 0.01,
            }
        ),
    )
    length = S.TrainingLength(
        steps_per_epoch=args.steps_per_epoch, total_steps=args.epochs * args.steps_per_epoch
    )
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    optimizer, scheduler = config.build(model, length)
    assert scheduler is not None
    expected = S.preview(config.scheduler, length, [0.05])[:, 0]  # type: ignore[arg-type]

    lrs: list[float] = []
    for step in range(length.total_steps):
        if step == length.total_steps // 2:  # checkpoint and resume mid-run
            state = scheduler.state_dict()
            optimizer, scheduler = config.build(model, length)
            scheduler.load_state_dict(state)
        x = torch.randn(32, 4)
        loss = nn.functional.mse_loss(model(x), x.sum(dim=1, keepdim=True))
        optimizer.zero_grad()
        loss.backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
        if (step + 1) % length.steps_per_epoch == 0:
            print(
                f"epoch {(step + 1) // length.steps_per_epoch}: loss={loss.item():.4f} lr={lrs[-1]:.5f}"
            )

    # Every LR the loop used is the one preview computed without training.
    assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(lrs, expected)), "LR mismatch"
    print(f"{len(lrs)} steps, every LR equal to nshsched.preview")
    return lrs


if __name__ == "__main__":
    main()
