"""Hugging Face as a real peer: HF's keywords, ``warmup_ratio`` rounding, HF's own
schedulers step for step, and a ``transformers.Trainer`` run driven by ``config.build``."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the hub from the tests

from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError

# a real peer, installed by the dev extra: a missing one fails here rather than skipping
from transformers import Trainer, TrainingArguments, get_scheduler

import nshsched as S
from _helpers.stepping import group_optimizer, stepped_rows

BASES = (1e-3, 5e-4, 2e-3)


def make_optimizer() -> torch.optim.Optimizer:
    return group_optimizer(BASES, cls=torch.optim.AdamW, names=True)


def stepped(scheduler: Any, optimizer: torch.optim.Optimizer, n: int) -> np.ndarray:
    return np.array(stepped_rows(optimizer, scheduler, n))


# ---------------------------------------------------------------------- HF's keywords


def test_hf_keywords_fill_the_canonical_fields_and_dump_under_them() -> None:
    cfg = S.lr_scheduler_registry.construct(
        {"name": "cosine", "num_warmup_steps": 10, "num_training_steps": 100}
    )
    assert (cfg.warmup, cfg.total) == (10, 100)
    dumped = cfg.model_dump()
    assert dumped["warmup"] == 10 and dumped["total"] == 100
    assert "num_warmup_steps" not in dumped and "num_training_steps" not in dumped
    assert S.lr_scheduler_registry.construct(dumped) == cfg
    wsd = S.WarmupStableDecaySchedulerConfig(
        num_warmup_steps=2, num_stable_steps=5, num_decay_steps=3
    )
    assert (wsd.warmup, wsd.stable, wsd.decay) == (2, 5, 3)
    assert S.CosineWarmupWithMinLRSchedulerConfig(num_training_steps=9, min_lr_rate=0.1).total == 9


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"name": "linear", "warmup": 5, "num_warmup_steps": 5},
            r"set warmup or num_warmup_steps \(HF's name for it\), not both: got warmup=5, num_warmup_steps=5",
        ),
        (
            {"name": "cosine", "total": 50, "num_training_steps": 60},
            r"set total or num_training_steps \(HF's name for it\), not both: got total=50, num_training_steps=60",
        ),
        (
            {"name": "cosine", "warmup": 3, "warmup_ratio": 0.1},
            r"set warmup \(HF num_warmup_steps\) or warmup_ratio, not both: got warmup=3, warmup_ratio=0.1",
        ),
        (
            {"name": "linear", "num_warmup_steps": 3, "warmup_ratio": 0.1},
            r"set warmup \(HF num_warmup_steps\) or warmup_ratio, not both",
        ),
        ({"name": "linear", "warmup_ratio": 1.5}, "warmup_ratio"),
        ({"name": "linear", "warmup_ratio": float("nan")}, "warmup_ratio"),
        (
            {"name": "constant", "num_warmup_steps": 4},
            r"constant takes no warmup \(got num_warmup_steps=4\)",
        ),
        (
            {"name": "constant", "warmup_ratio": 0.1},
            r"constant takes no warmup \(got warmup_ratio=0.1\)",
        ),
        ({"name": "inverse_sqrt", "num_training_steps": 4}, "num_training_steps"),  # HF's has none
        (
            {"name": "warmup_stable_decay", "decay": 2, "num_decay_steps": 2},
            r"set decay or num_decay_steps \(HF's name for it\), not both",
        ),
    ],
)
def test_hf_keyword_errors(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.lr_scheduler_registry.construct(data)


@pytest.mark.parametrize(
    ("ratio", "total", "steps"),
    [
        (0.1, 100, 10),
        (0.25, 10, 3),  # ceil(2.5)
        (0.2, 10, 2),
        (0.07, 100, 8),  # 100 * 0.07 == 7.000000000000001 in floating point: HF gives 8 too
        (0.0, 50, 0),
        (1.0, 7, 7),
    ],
)
def test_warmup_ratio_rounds_as_hf(ratio: float, total: int, steps: int) -> None:
    # HF's own rounding (TrainingArguments.get_warmup_steps): ceil(total * ratio)
    args = TrainingArguments(output_dir="unused", warmup_steps=ratio, report_to=[])
    if ratio < 1:
        assert args.get_warmup_steps(total) == steps
    cfg = S.LinearSchedulerConfig(warmup_ratio=ratio)
    length = S.TrainingLength(steps_per_epoch=total, total_steps=total)
    assert cfg.warmup_units(length) == steps
    lrs = S.preview(cfg, length, [1.0])[:, 0]
    if steps < total:  # the peak exactly at the end of the warmup
        assert lrs[steps] == 1.0 and (steps == 0 or lrs[steps - 1] < 1.0)
    # against the schedule's own total when it is set (not the whole training)
    cfg = S.CosineSchedulerConfig(warmup_ratio=ratio, total=total)
    assert cfg.warmup_units(S.TrainingLength(steps_per_epoch=1, total_steps=10 * total)) == steps
    assert S.lr_scheduler_registry.construct(cfg.model_dump()) == cfg


# ---------------------------------------------------------------------- HF's own schedulers

HF_CASES = [
    ("constant_with_warmup", {"num_warmup_steps": 4}, {}),
    ("linear", {"num_warmup_steps": 4, "num_training_steps": 40}, {}),
    ("cosine", {"num_warmup_steps": 5, "num_training_steps": 40}, {"num_cycles": 0.5}),
    ("cosine_with_restarts", {"num_warmup_steps": 3, "num_training_steps": 40}, {"num_cycles": 3}),
    (
        "polynomial",
        {"num_warmup_steps": 3, "num_training_steps": 40},
        {"lr_end": 1e-5, "power": 2.0},
    ),
    ("inverse_sqrt", {"num_warmup_steps": 6}, {}),
    ("cosine_with_min_lr", {"num_warmup_steps": 5, "num_training_steps": 40}, {"min_lr": 1e-4}),
    ("cosine_with_min_lr", {"num_warmup_steps": 5, "num_training_steps": 40}, {"min_lr_rate": 0.2}),
    (
        "cosine_warmup_with_min_lr",
        {"num_warmup_steps": 5, "num_training_steps": 40},
        {"min_lr_rate": 0.1},
    ),
    (
        "cosine_warmup_with_min_lr",
        {"num_warmup_steps": 5, "num_training_steps": 40},
        {"min_lr": 2e-4},
    ),
    (
        "cosine_warmup_with_min_lr",
        {"num_warmup_steps": 6, "num_training_steps": 40},
        {"min_lr_rate": 0.05, "warmup_lr_rate": 0.1, "num_cycles": 0.4},
    ),
    (
        "cosine_warmup_with_min_lr",
        {"num_warmup_steps": 0, "num_training_steps": 40},
        {"min_lr_rate": 0.0},
    ),
    (
        "warmup_stable_decay",
        {"num_warmup_steps": 4},
        {
            "num_decay_steps": 10,
            "num_stable_steps": 26,
            "decay_type": "1-sqrt",
            "min_lr_ratio": 0.1,
        },
    ),
]


@pytest.mark.parametrize(("name", "steps", "kwargs"), HF_CASES)
def test_equal_to_hf_get_scheduler_on_several_groups(
    name: str, steps: dict[str, int], kwargs: dict[str, Any]
) -> None:
    """Same name, same keywords: the same LRs as HF's ``get_scheduler``, every step, every group."""
    n = 40
    optimizer = make_optimizer()
    extra = {k: v for k, v in kwargs.items() if k not in ("num_decay_steps", "num_stable_steps")}
    hf_kwargs = dict(steps)
    scheduler_specific = dict(extra)
    if name == "warmup_stable_decay":
        scheduler_specific.update(
            num_decay_steps=kwargs["num_decay_steps"], num_stable_steps=kwargs["num_stable_steps"]
        )
    hf = get_scheduler(name, optimizer, scheduler_specific_kwargs=scheduler_specific, **hf_kwargs)
    expected = stepped(hf, optimizer, n)

    cfg = S.lr_scheduler_registry.construct({"name": name, **steps, **kwargs})
    optimizer = make_optimizer()
    ours = cfg.create_scheduler(optimizer, S.TrainingLength(steps_per_epoch=10, total_steps=n))[
        "scheduler"
    ]
    got = stepped(ours, optimizer, n)
    # Rows 0..n-1: the LRs the n optimizer steps use. (Row n, after the last step, differs
    # for cosine_warmup_with_min_lr: HF's wave runs on past its end, nshsched holds it.)
    np.testing.assert_allclose(
        got[:n], expected[:n], rtol=1e-12, atol=1e-15, err_msg=f"{name} {kwargs}"
    )


def test_cosine_warmup_with_min_lr_table_and_formula() -> None:
    # W = 4, T = 10, r = 0.2: warmup (t + 1) / 4, then p = (t - 3) / 6, held at 1 from t = 9
    cfg = S.CosineWarmupWithMinLRSchedulerConfig(warmup=4, total=10, min_lr_rate=0.2)
    lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=12, total_steps=12), [1.0])[:, 0]
    import math

    def formula(t: int) -> float:
        if t < 4:
            return (t + 1) / 4
        p = min(1.0, (t - 3) / 6)
        return 0.2 + 0.8 * 0.5 * (1 + math.cos(math.pi * p))

    table = [0.25, 0.5, 0.75, 1.0, 0.94641016, 0.8, 0.6, 0.4, 0.25358984, 0.2, 0.2, 0.2, 0.2]
    np.testing.assert_allclose(lrs, table, atol=1e-8)
    np.testing.assert_allclose(lrs, [formula(t) for t in range(13)], rtol=1e-12)


# ---------------------------------------------------------------------- a real Trainer


def test_schedule_follows_the_groups_after_optimizer_load_state_dict() -> None:
    """accelerate (inside Trainer) and checkpoint restores call ``optimizer.load_state_dict``
    after the scheduler exists: it replaces the param-group dicts, and the schedule must
    write into the new ones."""
    optimizer = make_optimizer()
    cfg = S.CosineAnnealingLRConfig(T_max=4, eta_min=1e-5, interval="step")  # absolute eta_min
    scheduler = cfg.create_scheduler(optimizer, S.TrainingLength(steps_per_epoch=4, total_steps=4))[
        "scheduler"
    ]
    optimizer.load_state_dict(optimizer.state_dict())
    got = stepped(scheduler, optimizer, 4)
    expected = S.preview(cfg, S.TrainingLength(steps_per_epoch=4, total_steps=4), list(BASES))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


class TinyRegressor(torch.nn.Module):
    """A plain torch module in HF's calling convention: keyword inputs, a dict with ``loss``."""

    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Linear(4, 8)
        self.head = torch.nn.Linear(8, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.head(torch.relu(self.body(x))).squeeze(-1)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


@pytest.mark.parametrize(
    "scheduler",
    [
        {"name": "cosine_warmup_with_min_lr", "num_warmup_steps": 3, "min_lr": 1e-4},
        {"name": "linear", "warmup_ratio": 0.2},
        {"name": "cosine_annealing_lr", "T_max": 2, "eta_min": 1e-5},  # interval epoch
    ],
)
def test_trainer_logs_the_previewed_learning_rates(tmp_path, scheduler: dict[str, Any]) -> None:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    data = [
        {"x": torch.randn(4, generator=g), "labels": torch.randn((), generator=g)}
        for _ in range(24)
    ]
    model = TinyRegressor()
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3},
            "scheduler": scheduler,
            "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 0.5}],
        }
    )
    # 24 samples, batch 4, accumulation 2: 3 optimizer steps per epoch, 4 epochs
    length = S.TrainingLength(steps_per_epoch=3, total_steps=12)
    optimizer, lr_scheduler = config.build(model, length)
    args = TrainingArguments(
        output_dir=str(tmp_path),
        num_train_epochs=4,
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=data, optimizers=(optimizer, lr_scheduler)
    )
    trainer.train()
    logged = {
        h["step"]: h["learning_rate"] for h in trainer.state.log_history if "learning_rate" in h
    }
    assert sorted(logged) == list(range(1, 13))
    # HF logs the first param group's LR used by optimizer step s: preview row s - 1.
    # column 0: the first param group that build() makes, the one HF logs
    preview = S.preview(config, length, model=model)[:, 0]
    np.testing.assert_allclose(
        [logged[s] for s in range(1, 13)], preview[:12], rtol=1e-12, atol=1e-15
    )
    assert len(set(np.round(preview[:12], 12))) > 2  # the schedule did move


@pytest.mark.parametrize(
    "data",
    [
        {"name": "constant_with_warmup", "warmup_ratio": 0.1},
        {"name": "linear", "warmup_ratio": 0.1},
        {"name": "warmup_stable_decay", "warmup_ratio": 0.1, "stable": 20, "decay": 10},
    ],
)
def test_warmup_ratio_of_the_training_is_part_of_the_resume_check(data: dict[str, Any]) -> None:
    """A ratio of the whole training resolves to other steps under another length: resuming
    into it is a change of schedule (``on_resume_change``), not a silent resume."""
    cfg = S.lr_scheduler_registry.construct(data)
    short, long = (S.TrainingLength(steps_per_epoch=10, total_steps=n) for n in (40, 80))
    assert cfg.warmup_units(short) == 4 and cfg.warmup_units(long) == 8
    optimizer = make_optimizer()
    state = cfg.create_scheduler(optimizer, short)["scheduler"].state_dict()
    resumed = cfg.create_scheduler(make_optimizer(), long)["scheduler"]
    with pytest.raises(ValueError, match="on_resume_change"):
        resumed.load_state_dict(state)
    # with the schedule's own total the ratio does not depend on the training length
    fixed = S.lr_scheduler_registry.construct({"name": "linear", "warmup_ratio": 0.1, "total": 40})
    state = fixed.create_scheduler(make_optimizer(), short)["scheduler"].state_dict()
    with pytest.warns(S.HorizonWarning):  # total 40 of 80 steps: the decay ends early
        again = fixed.create_scheduler(make_optimizer(), long)["scheduler"]
    again.load_state_dict(state)
