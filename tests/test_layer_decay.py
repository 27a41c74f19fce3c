"""Layer-wise LR decay, no weight decay by name, wrapped models (API §9)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from pydantic import ValidationError

import nshsched as S
from _helpers.lanes import require_timm

LENGTH = S.TrainingLength(steps_per_epoch=1, total_steps=4)


class Block(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(4)
        self.fc = torch.nn.Linear(4, 4)


class TinyViT(torch.nn.Module):
    """The parameter names of a timm ViT, small."""

    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, 4))
        self.pos_embed = torch.nn.Parameter(torch.zeros(1, 5, 4))
        self.patch_embed = torch.nn.Linear(4, 4)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(depth))
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 2)

    def no_weight_decay(self) -> set[str]:
        return {"pos_embed", "cls_token", "dist_token"}


def _groups(cfg: S.OptimizationConfig, model: torch.nn.Module) -> dict[str, dict]:
    opt, _ = cfg.build(model, LENGTH)
    return {g["name"]: g for g in opt.param_groups}


def _config(**extra) -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "adamw", "lr": 1.0, "weight_decay": 0.05}, **extra}
    )


def _names(model: torch.nn.Module, group: dict) -> set[str]:
    ids = {id(p) for p in group["params"]}
    return {n for n, p in model.named_parameters() if id(p) in ids}


def test_layer_scales_table() -> None:
    model = TinyViT(depth=3)  # L = 3
    groups = _groups(_config(layer_decay={"rate": 0.5}), model)
    lrs = {name: g["lr"] for name, g in groups.items()}
    # rate ** (L - i) for layer i, rate ** (L + 1) for embeddings, rate for the norm, 1 else
    assert lrs == {
        "default": 1.0,
        "default.embeddings": 0.5**4,
        "default.layer0": 0.5**3,
        "default.layer1": 0.5**2,
        "default.layer2": 0.5**1,
        "default.last": 0.5,
    }
    assert _names(model, groups["default"]) == {"head.weight", "head.bias"}
    assert _names(model, groups["default.embeddings"]) == {
        "cls_token",
        "pos_embed",
        "patch_embed.weight",
        "patch_embed.bias",
    }
    assert _names(model, groups["default.last"]) == {"norm.weight", "norm.bias"}


def test_layer_decay_multiplies_group_lr_and_splits_no_decay() -> None:
    model = TinyViT(depth=2)
    cfg = _config(
        layer_decay={"rate": 0.5},
        no_weight_decay=True,
        param_groups=[{"name": "body", "params": ["blocks.*"], "lr_scale": 0.1}],
    )
    groups = _groups(cfg, model)
    assert groups["body.layer0"]["lr"] == pytest.approx(0.1 * 0.25, rel=1e-12)
    assert groups["body_no_decay.layer1"]["lr"] == pytest.approx(0.1 * 0.5, rel=1e-12)
    assert groups["body_no_decay.layer1"]["weight_decay"] == 0.0
    # no_weight_decay(): pos_embed and cls_token are not 1-D but join the no-decay part
    assert _names(model, groups["default_no_decay.embeddings"]) == {
        "cls_token",
        "pos_embed",
        "patch_embed.bias",
    }


def test_group_schedule_applies_to_all_parts() -> None:
    model = TinyViT(depth=2)
    cfg = _config(
        layer_decay={"rate": 0.5},
        param_groups=[
            {"name": "body", "params": ["blocks.*"], "scheduler": {"name": "linear"}},
        ],
    )
    opt, sched = cfg.build(model, LENGTH)
    for _ in range(2):
        opt.step()
        sched.step()
    lrs = {g["name"]: g["lr"] for g in opt.param_groups}
    # linear over 4 steps: m(2) = 0.5 on body's parts; the rest is constant
    assert lrs["body.layer0"] == pytest.approx(0.25 * 0.5, rel=1e-12)
    assert lrs["body.layer1"] == pytest.approx(0.5 * 0.5, rel=1e-12)
    assert lrs["default.last"] == 0.5


def test_per_group_schedule_named_by_group_applies_to_parts() -> None:
    model = TinyViT(depth=2)
    cfg = _config(
        layer_decay={"rate": 0.5},
        scheduler={"name": "per_group", "default": None, "groups": {"default": {"name": "linear"}}},
    )
    opt, sched = cfg.build(model, LENGTH)
    opt.step()
    sched.step()
    lrs = {g["name"]: g["lr"] for g in opt.param_groups}
    assert lrs["default.layer1"] == pytest.approx(0.5 * 0.75, rel=1e-12)
    assert lrs["default"] == pytest.approx(0.75, rel=1e-12)


ABSOLUTE = {
    "step_decay": {
        "name": "step_decay",
        "intervals": [{"start": 0, "end": 2, "lr": 4e-3}, {"start": 2, "end": 4, "lr": 1e-3}],
    },
    "cosine_annealing_lr": {
        "name": "cosine_annealing_lr",
        "T_max": 4,
        "eta_min": 1e-4,
        "interval": "step",
    },
    "cyclic_lr": {"name": "cyclic_lr", "base_lr": 1e-4, "max_lr": 1e-2, "step_size_up": 2},
    "one_cycle_lr": {"name": "one_cycle_lr", "max_lr": 0.01},
    "polynomial": {"name": "polynomial", "lr_end": 1e-4, "power": 2.0},
    "cosine_with_min_lr": {"name": "cosine_with_min_lr", "min_lr": 1e-4},
    "timm_cosine": {
        "name": "timm_cosine",
        "t_initial": 4,
        "lr_min": 1e-4,
        "warmup_t": 1,
        "warmup_lr_init": 1e-5,
        "t_in_epochs": False,
    },
    "warmup_cosine": {
        "name": "warmup_cosine",
        "warmup_epochs": 1,
        "T_max": 4,
        "eta_min": 1e-4,
        "interval": "step",
    },
    "linear_warmup_cosine_annealing": {
        "name": "linear_warmup_cosine_annealing",
        "warmup_epochs": 1,
        "max_epochs": 4,
        "warmup_start_lr": 1e-5,
        "eta_min": 1e-4,
        "interval": "step",
    },
}


@pytest.mark.parametrize("where", ["global", "own", "per_group"])
@pytest.mark.parametrize("tag", sorted(ABSOLUTE))
def test_layer_factor_multiplies_absolute_values(tag: str, where: str) -> None:
    # issue 18 item 3 (§9): the factor multiplies whatever the group would get, absolute
    # values included, for a global and a group's own schedule
    schedule = ABSOLUTE[tag]
    extra: dict[str, Any] = {
        "param_groups": [{"name": "body", "params": ["blocks.*"], "lr_scale": 0.5}],
        "no_weight_decay": True,
    }
    if where == "global":
        extra["scheduler"] = schedule
    elif where == "own":
        extra["param_groups"][0]["scheduler"] = schedule
    else:
        extra["scheduler"] = {"name": "per_group", "groups": {"body": schedule}}
    plain = _config(**extra)
    layered = _config(**extra, layer_decay={"rate": 0.5})
    model = TinyViT(depth=2)  # L = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = dict(zip(S.preview_groups(plain, model), S.preview(plain, LENGTH, model=model).T))
        opt, sched = layered.build(model, LENGTH)
        got = dict(zip(S.preview_groups(layered, model), S.preview(layered, LENGTH, model=model).T))
    factors = {
        "body.layer0": 0.25,
        "body.layer1": 0.5,
        "body_no_decay.layer0": 0.25,
        "body_no_decay.layer1": 0.5,
        "default.embeddings": 0.125,
        "default_no_decay.embeddings": 0.125,
        "default_no_decay.last": 0.5,
        "default": 1.0,
        "default_no_decay": 1.0,
    }
    assert set(got) == set(factors)
    # the schedule of "body" drives its no-decay sibling too (same base LR: same values)
    assert want["body_no_decay"] == pytest.approx(want["body"], rel=1e-12, abs=1e-18)
    for name, factor in factors.items():
        owner = name.split(".")[0]
        assert got[name] == pytest.approx(factor * want[owner], rel=1e-12, abs=1e-18), name
    # the built scheduler writes the same values at every step
    for t in range(LENGTH.total_steps + 1):
        for g in opt.param_groups:
            assert g["lr"] == pytest.approx(got[g["name"]][t], rel=1e-12, abs=1e-18), (t, g["name"])
        opt.step()
        sched.step()


def test_layer_factor_on_a_groups_own_step_decay_table() -> None:
    # the example: 0.004 on layer 0 of 3 at rate 0.5 is 0.004 * 0.125 = 0.0005
    cfg = _config(
        param_groups=[
            {"name": "early", "params": ["blocks.0.*"], "scheduler": ABSOLUTE["step_decay"]}
        ],
        layer_decay={"rate": 0.5},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = S.preview(cfg, LENGTH, model=TinyViT(depth=3))
        names = S.preview_groups(cfg, TinyViT(depth=3))
    col = table[:, names.index("early.layer0")]
    assert col.tolist() == pytest.approx([5e-4, 5e-4, 1.25e-4, 1.25e-4, 1.25e-4], rel=1e-12)


def test_hf_style_names() -> None:
    class Bert(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = torch.nn.Embedding(4, 4)
            self.encoder = torch.nn.Module()
            self.encoder.layer = torch.nn.ModuleList(torch.nn.Linear(4, 4) for _ in range(2))
            self.classifier = torch.nn.Linear(4, 2)

    groups = _groups(_config(layer_decay={"rate": 0.5}), Bert())
    assert {n: g["lr"] for n, g in groups.items()} == {
        "default": 1.0,
        "default.embeddings": 0.125,
        "default.layer0": 0.25,
        "default.layer1": 0.5,
    }


def test_layer_decay_errors() -> None:
    with pytest.raises(ValueError, match=r"layer_decay\.layers: .* matches no trainable parameter"):
        _groups(_config(layer_decay={"rate": 0.5, "layers": r"stages\.(\d+)\."}), TinyViT())
    with pytest.raises(ValidationError, match="needs a group capturing the layer index"):
        S.LayerDecayConfig(rate=0.5, layers=r"blocks\.\d+")
    with pytest.raises(ValidationError, match="not a regular expression"):
        S.LayerDecayConfig(rate=0.5, layers=r"blocks\.(")
    with pytest.raises(ValidationError, match="rate"):
        S.LayerDecayConfig(rate=0.0)


@pytest.fixture
def timm() -> Any:
    """The real timm with its models (and the torchvision they import), imported normally;
    see ``require_timm`` for CI's floor lane."""
    require_timm("timm.optim")
    return require_timm("timm")


@pytest.mark.parametrize(
    ("arch", "options"),
    [
        ("vit_tiny_patch16_224", {"depth": 4}),
        ("vit_small_patch16_224", {"depth": 3, "reg_tokens": 2}),
        ("deit_tiny_distilled_patch16_224", {"depth": 3}),
        ("vit_base_patch16_224", {"depth": 2, "global_pool": "avg", "fc_norm": True}),
        ("vit_small_patch16_224", {"depth": 2, "pre_norm": True}),
        ("beit_base_patch16_224", {"depth": 2}),
    ],
)
def test_same_scales_as_timm_on_timm_vit(timm: Any, arch: str, options: dict) -> None:
    """Every parameter gets timm's LR scale and weight decay (``param_groups_layer_decay``
    with the model's ``no_weight_decay()``)."""
    param_groups_layer_decay = timm.optim.param_groups_layer_decay

    model = timm.create_model(arch, pretrained=False, num_classes=3, img_size=32, **options)
    names = {id(p): n for n, p in model.named_parameters()}
    theirs: dict[str, tuple[float, float]] = {}
    for group in param_groups_layer_decay(
        model, layer_decay=0.7, weight_decay=0.05, no_weight_decay_list=model.no_weight_decay()
    ):
        for p in group["params"]:
            theirs[names[id(p)]] = (group["lr_scale"], group["weight_decay"])
    cfg = _config(layer_decay={"rate": 0.7}, no_weight_decay=True)
    opt, _ = cfg.build(model, LENGTH)
    ours = {
        names[id(p)]: (g["lr"], g["weight_decay"]) for g in opt.param_groups for p in g["params"]
    }
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name][0] == pytest.approx(theirs[name][0], rel=1e-12), name
        assert ours[name][1] == theirs[name][1], name


# ---------------------------------------------------------------------- no weight decay


def test_no_weight_decay_list_and_methods_of_submodules() -> None:
    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = TinyViT(depth=1)
            self.extra = torch.nn.Linear(4, 4)

    model = Wrapper()
    groups = _groups(_config(no_weight_decay=["extra.weight"]), model)
    assert _names(model, groups["default"]) == {
        "model.patch_embed.weight",
        "model.blocks.0.fc.weight",
        "model.head.weight",
    }
    assert "model.cls_token" in _names(model, groups["default_no_decay"])
    assert "extra.weight" in _names(model, groups["default_no_decay"])
    with pytest.raises(ValueError, match=r"no_weight_decay: pattern 'gamma' matches no parameter"):
        _groups(_config(no_weight_decay=["gamma"]), model)


def test_suffix_globs() -> None:
    model = torch.nn.Sequential(TinyViT(depth=1))
    groups = _groups(_config(no_weight_decay=["head.weight"]), model)
    assert "0.head.weight" in _names(model, groups["default_no_decay"])


# ---------------------------------------------------------------------- wrappers


def _param_group_names(cfg: S.OptimizationConfig, model: torch.nn.Module) -> dict[str, int]:
    opt, _ = cfg.build(model, LENGTH)
    return {g["name"]: len(g["params"]) for g in opt.param_groups}


@pytest.mark.parametrize(
    "wrap",
    ["compile", "data_parallel", "checkpoint", "nested"],
)
def test_wrappers_looked_through(wrap: str) -> None:
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import checkpoint_wrapper

    inner = TinyViT(depth=2)
    if wrap == "compile":
        model: torch.nn.Module = torch.compile(inner)
    elif wrap == "data_parallel":
        model = torch.nn.DataParallel(inner)
    elif wrap == "checkpoint":
        inner.blocks[0] = checkpoint_wrapper(inner.blocks[0])
        model = inner
    else:
        inner.blocks[1] = checkpoint_wrapper(inner.blocks[1])
        model = torch.compile(torch.nn.DataParallel(inner))
    cfg = _config(
        param_groups=[{"name": "head", "params": ["head.*"]}],
        no_weight_decay=True,
        layer_decay={"rate": 0.5},
    )
    plain = _config(
        param_groups=[{"name": "head", "params": ["head.*"]}],
        no_weight_decay=True,
        layer_decay={"rate": 0.5},
    )
    assert _param_group_names(cfg, model) == _param_group_names(plain, TinyViT(depth=2))


def test_child_named_module_is_not_a_wrapper() -> None:
    class Holder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.module = torch.nn.Linear(2, 2)

    cfg = _config(param_groups=[{"name": "m", "params": ["module.*"]}])
    assert _param_group_names(cfg, Holder()) == {"m": 2}


def test_ddp_and_fsdp_looked_through(tmp_path) -> None:
    import torch.distributed as dist

    if not dist.is_available():
        pytest.skip("torch.distributed is not available")
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        model = torch.nn.parallel.DistributedDataParallel(TinyViT(depth=2))
        assert next(iter(dict(model.named_parameters()))).startswith("module.")
        cfg = _config(
            param_groups=[{"name": "head", "params": ["head.*"]}],
            no_weight_decay=True,
            layer_decay={"rate": 0.5},
        )
        want = _param_group_names(cfg, TinyViT(depth=2))
        assert _param_group_names(cfg, model) == want
        # FSDP, every Linear and every Block wrapped (nested `_fsdp_wrapped_module.`)
        from torch.distributed.fsdp import FullyShardedDataParallel
        from torch.distributed.fsdp.wrap import ModuleWrapPolicy

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fsdp = FullyShardedDataParallel(
                TinyViT(depth=2),
                device_id=torch.device("cpu"),
                use_orig_params=True,
                auto_wrap_policy=ModuleWrapPolicy({torch.nn.Linear, Block}),
            )
        assert (
            "_fsdp_wrapped_module.blocks.0._fsdp_wrapped_module.fc._fsdp_wrapped_module.weight"
            in dict(fsdp.named_parameters())
        )
        assert _param_group_names(cfg, fsdp) == want
    finally:
        dist.destroy_process_group()


def test_dotted_group_name_without_layer_decay_keeps_its_schedule() -> None:
    model = TinyViT(depth=1)
    cfg = _config(
        param_groups=[{"name": "enc.last", "params": ["head.*"], "scheduler": {"name": "linear"}}]
    )
    opt, sched = cfg.build(model, LENGTH)
    opt.step()
    sched.step()
    lrs = {g["name"]: g["lr"] for g in opt.param_groups}
    assert lrs == {"enc.last": pytest.approx(0.75, rel=1e-12), "default": 1.0}
