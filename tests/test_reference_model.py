"""The reference model (tests/_reference) checked against the peers it mirrors -- torch's
schedulers, Hugging Face's ``get_scheduler`` and timm's schedulers -- step for step, without
nshsched in the loop (configs are only read for their field values). A difference found by
the differential tests is then the library's, not the reference's.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
import torch
import transformers

import nshsched as S
from _differential import close
from _helpers.lanes import require_timm
from _reference import reference_scheduler

BASES = [0.1, 0.03]
LENGTH = S.TrainingLength(steps_per_epoch=1, total_steps=30)


def optimizer(momentum: float = 0.9) -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in BASES]
    return torch.optim.SGD(groups, lr=BASES[0], momentum=momentum)


def assert_rows(reference: list[list[float]], peer: list[list[float]]) -> None:
    for t, (want, got) in enumerate(zip(reference, peer)):
        for j, (w, g) in enumerate(zip(want, got)):
            assert close(g, w, max(abs(r[j]) for r in reference)), (t, j, g, w)


TORCH = [
    ("step_lr", {"step_size": 3, "gamma": 0.5}, "StepLR", {}),
    ("multi_step_lr", {"milestones": [2, 5, 9], "gamma": 0.3}, "MultiStepLR", {}),
    ("exponential_lr", {"gamma": 0.9}, "ExponentialLR", {}),
    ("cosine_annealing_lr", {"T_max": 7, "eta_min": 0.01}, "CosineAnnealingLR", {}),
    (
        "cosine_annealing_warm_restarts",
        {"T_0": 3, "T_mult": 2, "eta_min": 0.001},
        "CosineAnnealingWarmRestarts",
        {},
    ),
    ("polynomial_lr", {"total_iters": 8, "power": 2.0}, "PolynomialLR", {}),
    ("linear_lr", {"start_factor": 0.25, "end_factor": 0.75, "total_iters": 6}, "LinearLR", {}),
    ("constant_lr", {"factor": 0.5, "total_iters": 4}, "ConstantLR", {}),
    (
        "cyclic_lr",
        {
            "base_lr": 0.01,
            "max_lr": 0.2,
            "step_size_up": 3,
            "step_size_down": 5,
            "mode": "triangular2",
        },
        "CyclicLR",
        {},
    ),
    (
        "cyclic_lr",
        {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 4, "mode": "exp_range", "gamma": 0.95},
        "CyclicLR",
        {},
    ),
    ("one_cycle_lr", {"max_lr": 0.5, "total_steps": 31, "three_phase": True}, "OneCycleLR", {}),
    (
        "one_cycle_lr",
        {"max_lr": 0.5, "total_steps": 31, "anneal_strategy": "linear", "pct_start": 0.4},
        "OneCycleLR",
        {},
    ),
]


@pytest.mark.parametrize(
    ("tag", "fields", "cls", "extra"),
    TORCH,
    ids=[f"{t[0]}-{t[2]}-{i}" for i, t in enumerate(TORCH)],
)
def test_torch_mirrors(tag: str, fields: dict, cls: str, extra: dict) -> None:
    cfg = S.lr_scheduler_registry.construct({"name": tag, "interval": "step", **fields})
    want = reference_scheduler(cfg, LENGTH, BASES)
    opt = optimizer()
    sched = getattr(torch.optim.lr_scheduler, cls)(opt, **fields, **extra)
    got, momenta = [], []
    for _ in range(LENGTH.total_steps):
        got.append([g["lr"] for g in opt.param_groups])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    assert_rows(want, got)
    if tag in ("cyclic_lr", "one_cycle_lr"):
        from _reference.clock import compile_schedule
        from _reference.units import Length

        curve = compile_schedule(cfg, Length(1, LENGTH.total_steps))
        assert all(math.isclose(curve.momentum(t), m, rel_tol=1e-9) for t, m in enumerate(momenta))


HF = [
    ("linear", {}, {}),
    ("cosine", {}, {"num_cycles": 1.5}),
    ("cosine_with_restarts", {}, {"num_cycles": 3}),
    ("polynomial", {}, {"lr_end": 1e-3, "power": 2.0}),
    ("constant_with_warmup", {}, {}),
    ("inverse_sqrt", {}, {"timescale": 4}),
    ("cosine_with_min_lr", {}, {"min_lr": 5e-3}),
    ("cosine_warmup_with_min_lr", {}, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
    (
        "warmup_stable_decay",
        {"decay": 8},
        {
            "num_decay_steps": 8,
            "warmup_type": "cosine",
            "decay_type": "1-sqrt",
            "min_lr_ratio": 0.1,
        },
    ),
]


@pytest.mark.parametrize(("tag", "fields", "kwargs"), HF, ids=[h[0] for h in HF])
def test_hugging_face(tag: str, fields: dict, kwargs: dict) -> None:
    own = {k: v for k, v in kwargs.items() if k != "num_decay_steps"}
    cfg = S.lr_scheduler_registry.construct({"name": tag, "warmup": 5, **fields, **own})
    want = reference_scheduler(cfg, LENGTH, BASES)
    opt = optimizer()
    if tag == "inverse_sqrt":  # transformers 5.0's get_scheduler drops its timescale
        sched = transformers.get_inverse_sqrt_schedule(opt, 5, **kwargs)
    else:
        sched = transformers.get_scheduler(
            tag,
            opt,
            num_warmup_steps=5,
            num_training_steps=LENGTH.total_steps,
            scheduler_specific_kwargs=kwargs,
        )
    got = []
    for _ in range(LENGTH.total_steps):  # within `total` the curves are HF's (after it: held)
        got.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    assert_rows(want, got)


TIMM = [
    (
        "timm_cosine",
        "CosineLRScheduler",
        {
            "t_initial": 6,
            "lr_min": 1e-3,
            "cycle_mul": 1.5,
            "cycle_decay": 0.5,
            "cycle_limit": 3,
            "warmup_t": 2,
            "warmup_lr_init": 1e-4,
            "k_decay": 1.5,
        },
    ),
    (
        "timm_cosine",
        "CosineLRScheduler",
        {"t_initial": 8, "cycle_limit": 2, "warmup_t": 3, "warmup_prefix": True},
    ),
    (
        "timm_tanh",
        "TanhLRScheduler",
        {"t_initial": 9, "lr_min": 1e-3, "warmup_t": 3, "cycle_limit": 2},
    ),
    ("timm_tanh", "TanhLRScheduler", {"t_initial": 9, "cycle_mul": 2.0, "cycle_limit": 3}),
    (
        "timm_poly",
        "PolyLRScheduler",
        {
            "t_initial": 10,
            "power": 2.0,
            "warmup_t": 2,
            "warmup_lr_init": 1e-3,
            "cycle_limit": 2,
            "cycle_decay": 0.7,
        },
    ),
    ("timm_step", "StepLRScheduler", {"decay_t": 2.5, "decay_rate": 0.5, "warmup_t": 2}),
    (
        "timm_multistep",
        "MultiStepLRScheduler",
        {"decay_t": [3, 7, 12], "decay_rate": 0.3, "warmup_t": 1},
    ),
    ("timm_multistep", "MultiStepLRScheduler", {"decay_t": [1, 4], "decay_rate": 0.3}),
]


@pytest.mark.parametrize(
    ("tag", "cls", "fields"), TIMM, ids=[f"{t[0]}-{i}" for i, t in enumerate(TIMM)]
)
def test_timm(tag: str, cls: str, fields: dict) -> None:
    cfg = S.lr_scheduler_registry.construct({"name": tag, **fields})
    want = reference_scheduler(cfg, LENGTH, BASES)
    opt = optimizer()
    sched = getattr(require_timm("timm.scheduler"), cls)(opt, **fields)
    got = []
    for epoch in range(LENGTH.total_steps):  # timm's loop: train an epoch, then step(epoch + 1)
        got.append([g["lr"] for g in opt.param_groups])
        sched.step(epoch + 1)
    assert_rows(want, got)


def test_the_reference_imports_nothing_from_nshsched() -> None:
    # written from API.md alone: sharing code with src/ would make its agreement worthless
    folder = Path(__file__).parent / "_reference"
    imported = set()
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported |= {(path.name, alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add((path.name, node.module))
    assert len({name for name, _ in imported}) >= 5  # every module of the reference was read
    assert not [(f, m) for f, m in imported if m.split(".")[0] == "nshsched"]
