"""Whole differential cases: an ``OptimizationConfig`` (or ``OptimizersConfig``) around a
scheduler config drawn for one tag, a tiny ViT-like model and a training length; and the
table of known library failures (issue 18) that the generated tests keep out of the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from hypothesis import strategies as st

import nshsched as S
from _differential_samples import (
    CLOSED_FORM_POOL,
    HYPER_REFUSED,
    Ctx,
    overrides,
    pick,
    sample,
    schedule,
)

OPTIMIZERS = {
    "adamw": {"name": "adamw", "weight_decay": 0.05},
    "sgd": {"name": "sgd", "momentum": 0.9, "weight_decay": 1e-4},
    "adam": {"name": "adam", "betas": [0.9, 0.99]},
}
GROUPS = {"head": ["head.*"], "early": ["blocks.0.*"], "embed": ["patch_embed.*", "cls_token"]}


class Block(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(4)
        self.fc = torch.nn.Linear(4, 4)


class TinyViT(torch.nn.Module):
    """timm's ViT naming in miniature: embeddings, ``blocks.<i>``, a final ``norm``, a head,
    a ``no_weight_decay()`` method (one name that matches nothing) and a frozen parameter."""

    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, 4))
        self.patch_embed = torch.nn.Linear(4, 4)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(depth))
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 2)
        self.frozen = torch.nn.Parameter(torch.ones(3), requires_grad=False)

    def no_weight_decay(self) -> set[str]:
        return {"cls_token", "no_such_parameter"}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.patch_embed(x) + self.cls_token.reshape(4)
        for block in self.blocks:
            h = h + block.fc(block.norm1(h))
        return self.head(self.norm(h))


class Agent(torch.nn.Module):
    """Three networks for several optimizers (the RL reference's encoder / actor / critic)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = TinyViT(depth=2)
        self.actor = torch.nn.Linear(2, 2)
        self.critic = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.LayerNorm(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)
        return self.actor(h).sum(-1) + self.critic(h).sum(-1)


@dataclass
class Case:
    data: dict[str, Any]  # OptimizationConfig data, or {"optimizers": {...}}
    spe: int
    total: int
    wrapper: str = "none"  # "none" | "compile" | "dp"
    model_name: str = "vit"  # "vit" (TinyViT), "agent" (Agent), "mlp" (2-D weights only)
    tags: tuple[str, ...] = ()  # the scheduler tags it exercises at top level
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def several(self) -> bool:
        return "optimizers" in self.data

    def config(self) -> Any:
        if self.several:
            return S.OptimizersConfig.model_validate(self.data)
        return S.OptimizationConfig.model_validate(self.data)

    def model(self) -> torch.nn.Module:
        torch.manual_seed(0)
        if self.model_name == "mlp":  # every optimizer steps it (Muon takes 2-D weights only)
            return torch.nn.Sequential(
                torch.nn.Linear(4, 4, bias=False), torch.nn.Linear(4, 2, bias=False)
            )
        return Agent() if self.model_name == "agent" else TinyViT()

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        if self.wrapper == "compile":
            return torch.compile(model)  # type: ignore[return-value]  # compiled lazily
        if self.wrapper == "dp":
            return torch.nn.DataParallel(model)
        return model

    def length(self) -> S.TrainingLength:
        return S.TrainingLength(steps_per_epoch=self.spe, total_steps=self.total)

    def __str__(self) -> str:
        return (
            f"TrainingLength(steps_per_epoch={self.spe}, total_steps={self.total}), "
            f"wrapper={self.wrapper}, config=\n{json.dumps(self.data, indent=1)}"
        )


def library_tags(registry: S.Registry) -> list[str]:
    """The registry's tags whose class the library defines: what the differential tests
    enumerate (other test modules register classes of their own at import)."""
    return [t for t in registry.tags() if registry.get(t).__module__.split(".")[0] == "nshsched"]


def lengths(draw) -> tuple[int, int]:
    spe = draw(st.integers(2, 5))
    epochs = draw(st.integers(3, 5))
    return spe, spe * epochs - draw(st.integers(0, spe - 1))


def cycles_momentum(sched: dict | None) -> bool:
    return bool(sched) and sched.get("cycle_momentum") is True  # type: ignore[union-attr]


def _groups(draw, ctx: Ctx) -> list[dict]:
    out = []
    for name in draw(st.lists(st.sampled_from(sorted(GROUPS)), unique=True, max_size=2)):
        group: dict = {"name": name, "params": GROUPS[name]}
        kind = pick(draw, "none", "lr", "lr_scale", "weight_decay", "own", "constant")
        if kind == "lr":
            group["lr"] = pick(draw, 3e-3, 0.05)
        elif kind == "lr_scale":
            group["lr_scale"] = pick(draw, 0.1, 10.0)
        elif kind == "weight_decay":
            group["weight_decay"] = pick(draw, 0.0, 0.2)
        elif kind == "own":
            group["scheduler"] = schedule(draw, replace(ctx, unit=pick(draw, None, "steps")))
            if draw(st.booleans()):
                group["lr_scale"] = 0.5
        elif kind == "constant":
            group["scheduler"] = None
        out.append(group)
    return out


def _hyperparameters(draw, ctx: Ctx, optimizer: dict, sched: dict | None) -> dict:
    choice = draw(st.integers(0, 3))
    pool = [t for t in CLOSED_FORM_POOL if t not in HYPER_REFUSED]
    hyper_ctx = replace(ctx, unit=pick(draw, None, "steps", "fraction"))
    if choice == 0:
        return {}
    if choice == 1 or (choice == 2 and not optimizer.get("weight_decay")):
        return {"weight_decay": {"schedule": schedule(draw, hyper_ctx, pool)}}
    if choice == 2:
        return {
            "weight_decay": {"schedule": schedule(draw, hyper_ctx, pool), "start": 0.04, "end": 0.4}
        }
    if cycles_momentum(sched):
        return {}
    key, start, end = (
        ("momentum", 0.9, 0.99) if optimizer["name"] == "sgd" else ("betas.0", 0.9, 0.95)
    )
    return {key: {"schedule": schedule(draw, hyper_ctx, pool), "start": start, "end": end}}


def optimization(draw, tag: str | None, ctx: Ctx, *, module: str | None = None) -> dict:
    """One ``OptimizationConfig``'s data whose global scheduler has tag ``tag`` (or none);
    ``module``: the entry of an ``OptimizersConfig`` owning that submodule of :class:`Agent`."""
    vit = module in (None, "encoder")  # groups and layer decay need TinyViT's names
    optimizer = {**OPTIMIZERS[ctx.optimizer], "lr": pick(draw, 1e-3, 0.01, 0.1)}
    groups = _groups(draw, ctx) if vit else []
    ctx = replace(ctx, groups=tuple(g["name"] for g in groups))
    sched = None
    if tag is not None:
        sched = {"name": tag, **sample(tag)(draw, ctx), **overrides(draw, tag)}
    data: dict = {"optimizer": optimizer, "scheduler": sched, "param_groups": groups}
    if vit:
        data["layer_decay"] = pick(draw, None, None, {"rate": 0.5}, {"rate": 0.75})
        data["no_weight_decay"] = pick(draw, False, True, ["patch_embed.weight"])
    else:
        data["no_weight_decay"] = draw(st.booleans())
    if module is not None:
        data["module"] = module
    data["hyperparameters"] = _hyperparameters(draw, ctx, optimizer, sched)
    return data


@st.composite
def cases(draw, tag: str, unit: str | None) -> Case:
    """A whole case around a global scheduler of tag ``tag``, warmups in ``unit``."""
    spe, total = lengths(draw)
    ctx = Ctx(unit=unit, optimizer=pick(draw, *OPTIMIZERS))
    data = optimization(draw, tag, ctx)
    return Case(data, spe, total, pick(draw, "none", "none", "compile", "dp"), "vit", (tag,))


@st.composite
def several_cases(draw, tags: list[str]) -> Case:
    """An ``OptimizersConfig``: encoder / actor / the rest, each with a tag from ``tags``."""
    spe, total = lengths(draw)
    entries = {}
    used = []
    for key, module in (("encoder", "encoder"), ("actor", "actor"), ("rest", "critic")):
        tag = pick(draw, None, *tags)
        ctx = Ctx(unit=pick(draw, None, "steps", "fraction"), optimizer=pick(draw, *OPTIMIZERS))
        entries[key] = optimization(draw, tag, ctx, module=module)
        if key == "rest":
            del entries[key]["module"]  # owns the rest: the critic
        used.append(tag)
    return Case({"optimizers": entries}, spe, total, "none", "agent", tuple(t for t in used if t))
