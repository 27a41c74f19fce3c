"""Fine-tuning a ViT with layer-wise LR decay (the BEiT / MAE recipe).

    python examples/vit_finetune.py [--depth 4] [--total-steps 30]

The model has the parameter names of a timm ViT (``cls_token``, ``pos_embed``,
``patch_embed.*``, ``blocks.<i>.*``, ``norm.*``, ``head.*``) and timm's
``no_weight_decay()``. It is wrapped in ``torch.compile``'s module (and would be in DDP):
nshsched names parameters as the plain model does. The recipe: AdamW, layer decay 0.65,
no weight decay on 1-D parameters and on the names ``no_weight_decay()`` returns, a
warmup then cosine on every group, the head at 10x.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

import nshsched as S

RECIPE = {
    "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05, "betas": [0.9, 0.999]},
    "scheduler": {"name": "cosine", "warmup": {"kind": "fraction", "value": 0.1}},
    "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 10.0}],
    "layer_decay": {"rate": 0.65},
    "no_weight_decay": True,
}


class Block(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.norm1(x))


class ViT(nn.Module):
    def __init__(self, depth: int, dim: int = 16, patches: int = 4, classes: int = 3) -> None:
        super().__init__()
        self.patch_embed = nn.Linear(12, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, dim))
        self.blocks = nn.ModuleList(Block(dim) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def no_weight_decay(self) -> set[str]:
        return {"pos_embed", "cls_token", "dist_token"}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--total-steps", type=int, default=30)
    args = parser.parse_args(argv)

    config = S.OptimizationConfig.model_validate(RECIPE)
    torch.manual_seed(0)
    plain = ViT(args.depth)
    model = torch.compile(plain)  # names seen through `_orig_mod.`; never run here
    length = S.TrainingLength(steps_per_epoch=10, total_steps=args.total_steps)
    optimizer, scheduler = config.build(model, length)
    names = {id(p): n for n, p in plain.named_parameters()}

    depth = args.depth
    # The warmup starts every group at 0; the base LRs are what it rises to.
    for group, base in zip(optimizer.param_groups, scheduler.base_lrs):
        members = sorted(names[id(p)] for p in group["params"])
        print(
            f"{group['name']:28} base lr {base:.3e}  wd {group['weight_decay']:.2f}  "
            f"{', '.join(members)[:50]}"
        )
    # layer i: 0.65 ** (L - i); embeddings 0.65 ** (L + 1); final norm 0.65; head 10x; 1e-3 base
    bases = {g["name"]: b for g, b in zip(optimizer.param_groups, scheduler.base_lrs)}
    assert np.isclose(bases["default.layer0"], 1e-3 * 0.65**depth, rtol=1e-12)
    assert np.isclose(bases["default.embeddings"], 1e-3 * 0.65 ** (depth + 1), rtol=1e-12)
    assert np.isclose(bases["default_no_decay.last"], 1e-3 * 0.65, rtol=1e-12)
    assert np.isclose(bases["head"], 1e-2, rtol=1e-12)
    want = S.preview(config, length, model=model)
    data = torch.randn(8, 4, 12), torch.randint(0, 3, (8,))
    got = []
    for _ in range(length.total_steps + 1):
        got.append([g["lr"] for g in optimizer.param_groups])
        loss = nn.functional.cross_entropy(plain(data[0]), data[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-18)
    print(f"{len(optimizer.param_groups)} groups, {length.total_steps} steps equal to preview")


if __name__ == "__main__":
    main()
