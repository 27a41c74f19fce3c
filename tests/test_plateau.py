"""reduce_lr_on_plateau: torch's reductions, warmup, group subsets, resume, preview, errors."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch.optim.lr_scheduler import ReduceLROnPlateau

import nshsched as S
from _helpers.resume import assert_plain, resume
from _helpers.stepping import group_optimizer, lrs_of
from nshsched.runtime.plateau import PlateauScheduler

BASES = (0.1, 0.03, 0.5)
LENGTH = S.TrainingLength(steps_per_epoch=4, total_steps=400)
TORCH_KEYS = (
    "mode",
    "factor",
    "patience",
    "threshold",
    "threshold_mode",
    "cooldown",
    "min_lr",
    "eps",
)


def make_optimizer() -> torch.optim.Optimizer:
    return group_optimizer(BASES, lr=0.1)


lrs = lrs_of


def torch_plateau(opt: torch.optim.Optimizer, cfg: S.ReduceLROnPlateauConfig) -> ReduceLROnPlateau:
    return ReduceLROnPlateau(opt, **{k: getattr(cfg, k) for k in TORCH_KEYS})


# A scripted metric: falls, stalls, jitters inside the threshold, improves, stalls again.
SCRIPT = [1.0, 0.8, 0.7, 0.7, 0.7, 0.69995, 0.7, 0.71, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.6] + [
    0.6
] * 30


@pytest.mark.parametrize(
    "options",
    [
        {"patience": 2},
        {"patience": 0, "factor": 0.5},
        {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.004},
        {"patience": 2, "mode": "max", "threshold_mode": "abs", "threshold": 0.05},
        {"patience": 3, "threshold_mode": "abs", "threshold": 0.001, "eps": 0.01},
        {},
    ],
)
def test_reductions_equal_torch(options):
    cfg = S.ReduceLROnPlateauConfig(monitor="val_loss", **options)
    metrics = SCRIPT if cfg.mode == "min" else [-m for m in SCRIPT]
    mine_opt, ref_opt = make_optimizer(), make_optimizer()
    mine = cfg.create_scheduler(mine_opt, LENGTH)["scheduler"]
    ref = torch_plateau(ref_opt, cfg)
    reductions = 0
    for m in metrics:
        before = lrs(ref_opt)
        mine.step(m)
        ref.step(m)
        assert lrs(mine_opt) == lrs(ref_opt)
        assert mine.get_last_lr() == ref.get_last_lr()
        reductions += lrs(ref_opt) != before
    assert reductions >= 1


def test_expected_reductions_table():
    # patience 1: a reduction after 2 non-improving steps; best 0.7 reached at step 3
    cfg = S.ReduceLROnPlateauConfig(monitor="loss", patience=1, factor=0.5)
    opt = make_optimizer()
    sched = cfg.create_scheduler(opt, LENGTH)["scheduler"]
    got = []
    for m in [1.0, 0.9, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6]:
        sched.step(m)
        got.append(opt.param_groups[0]["lr"])
    # bad steps: 0.7 x4 after the best 0.7 -> reductions after the 2nd and 4th bad step
    assert got == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_warmup_rises_per_optimizer_step_then_patience():
    # warmup 3 epochs = 12 optimizer steps: lr = base * t / 12 after t optimizer steps (the
    # scheduler's optimizer step hook advances it); metrics reported while it runs are ignored
    cfg = S.ReduceLROnPlateauConfig(
        monitor="val_loss", patience=1, factor=0.5, warmup={"kind": "epochs", "value": 3}
    )
    opt = make_optimizer()
    sched = cfg.create_scheduler_impl(opt, LENGTH)
    assert lrs(opt) == [0.0, 0.0, 0.0]
    for t in range(1, 13):
        sched.step()  # without a metric: nothing (the optimizer step moves the warmup)
        assert lrs(opt) == pytest.approx([b * (t - 1) / 12 for b in BASES], rel=1e-12)
        opt.step()
        assert lrs(opt) == pytest.approx([b * t / 12 for b in BASES], rel=1e-12)
        if t % 4 == 0 and t < 12:
            sched.step(0.01)  # an epoch-end metric inside the warmup: ignored
    assert lrs(opt) == list(BASES)
    opt.step()  # past the warmup, an optimizer step changes nothing
    assert lrs(opt) == list(BASES)
    # after the warmup: exactly torch's scheduler started fresh on the remaining metrics
    ref_opt = make_optimizer()
    ref = torch_plateau(ref_opt, cfg)
    for m in [1.0, 1.0, 0.9, 0.95, 0.95, 0.95, 0.8]:
        sched.step(m)
        ref.step(m)
        assert lrs(opt) == lrs(ref_opt)
    assert lrs(opt) != list(BASES)


def test_warmup_step_to_seeks_the_clock():
    cfg = S.ReduceLROnPlateauConfig(monitor="loss", warmup={"kind": "steps", "value": 10})
    opt = make_optimizer()
    sched = cfg.create_scheduler_impl(opt, LENGTH)
    sched.step_to(5)
    assert lrs(opt) == pytest.approx([b / 2 for b in BASES], rel=1e-12)
    sched.step_to(50)
    assert lrs(opt) == list(BASES)
    with pytest.raises(ValueError, match="step_to: the step must be a whole number >= 0"):
        sched.step_to(-1)


def test_group_subset_leaves_other_groups_alone():
    cfg = S.ReduceLROnPlateauConfig(
        monitor="loss", patience=0, warmup={"kind": "steps", "value": 2}
    )
    opt = make_optimizer()
    sched = cfg.create_scheduler_impl(opt, LENGTH, group_indices=[1])
    opt.param_groups[0]["lr"] = 7.0  # driven by someone else
    opt.step()
    opt.step()  # warmup done
    for m in [1.0, 2.0, 3.0]:
        sched.step(m)
    assert opt.param_groups[0]["lr"] == 7.0
    assert opt.param_groups[2]["lr"] == 0.5
    assert opt.param_groups[1]["lr"] == pytest.approx(0.03 * 0.1**2)
    with pytest.raises(ValueError, match=r"group_indices=\[0, 0\] must be distinct"):
        cfg.create_scheduler_impl(make_optimizer(), LENGTH, group_indices=[0, 0])
    with pytest.raises(ValueError, match=r"group_indices=\[3\]"):
        cfg.create_scheduler_impl(make_optimizer(), LENGTH, group_indices=[3])


def _metrics(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    value, out = 10.0, []
    for _ in range(n):
        value *= rng.choice([0.97, 1.0, 1.0, 1.01, 1.02])
        out.append(value)
    return out


@pytest.mark.parametrize("warmup,k", [(None, 60), ({"kind": "epochs", "value": 5}, 3)])
def test_resume_gives_the_next_800_lrs(warmup, k):
    # one "epoch" = 4 optimizer steps (the scheduler's hook) then the epoch's metric
    cfg = S.ReduceLROnPlateauConfig(
        monitor="loss", patience=2, cooldown=1, factor=0.7, min_lr=1e-5, warmup=warmup
    )
    metrics = _metrics(k + 850, seed=k)

    def epoch(sched: Any, m: float) -> None:
        for _ in range(4):
            sched.optimizer.step()
        sched.step(m)

    def make() -> tuple[torch.optim.Optimizer, Any]:
        # a fresh optimizer: the scheduler state alone restores the LRs
        opt = make_optimizer()
        return opt, cfg.create_scheduler_impl(opt, LENGTH)

    r = resume(make, k, 850, advance=lambda opt, sched, t: epoch(sched, metrics[t]), record=lrs)
    assert_plain(r.state)
    assert r.resumed == r.uninterrupted
    after_each_epoch = r.uninterrupted[1:]
    assert len({tuple(x) for x in after_each_epoch}) > 3  # the run did reduce several times


def test_load_state_dict_errors():
    cfg = S.ReduceLROnPlateauConfig(monitor="loss")
    sched = cfg.create_scheduler_impl(make_optimizer(), LENGTH)
    other = cfg.create_scheduler_impl(make_optimizer(), LENGTH, group_indices=[0])
    with pytest.raises(ValueError, match=r"group_indices=\[0, 1, 2\].*group_indices=\[0\]"):
        other.load_state_dict(sched.state_dict())
    with pytest.raises(KeyError, match="unexpected keys"):
        sched.load_state_dict({**sched.state_dict(), "bogus": 1})
    with pytest.raises(ValueError, match="does not take an epoch"):
        sched.step(1.0, 3)  # type: ignore[arg-type]


def test_lightning_dict_and_metadata():
    cfg = S.lr_scheduler_registry.construct(
        {"name": "ReduceLROnPlateau", "monitor": "val/acc", "mode": "max"}
    )
    assert isinstance(cfg, S.ReduceLROnPlateauConfig)
    spec = cfg.create_scheduler(make_optimizer(), LENGTH)
    assert isinstance(spec["scheduler"], PlateauScheduler)
    assert isinstance(spec["scheduler"], ReduceLROnPlateau)
    assert {k: v for k, v in spec.items() if k != "scheduler"} == {
        "interval": "epoch",
        "frequency": 1,
        "monitor": "val/acc",
        "reduce_on_plateau": True,
        "strict": True,
    }
    assert S.lr_scheduler_registry.construct(cfg.model_dump()) == cfg


@pytest.mark.parametrize(
    "data",
    [{"name": "reduce_lr_on_plateau"}, {"name": "reduce_lr_on_plateau", "monitor": None}],
)
def test_missing_monitor_is_a_clear_error(data):
    with pytest.raises(ValidationError, match="needs `monitor`"):
        S.lr_scheduler_registry.construct(data)


@pytest.mark.parametrize(
    "data,match",
    [
        ({"factor": 1.0}, "factor"),
        ({"patience": -1}, "patience"),
        ({"mode": "avg"}, "mode"),
        ({"threshold_mode": "pct"}, "threshold_mode"),
        ({"interval": "step", "frequency": 2}, "frequency=2 with interval='step'"),
        ({"warmup": {"kind": "fraction", "value": 2}}, "warmup"),
    ],
)
def test_validation_errors(data, match):
    with pytest.raises(ValidationError, match=match):
        S.ReduceLROnPlateauConfig(monitor="loss", **data)


def test_preview_is_warmup_then_constant():
    cfg = S.ReduceLROnPlateauConfig(monitor="loss", warmup={"kind": "epochs", "value": 2})
    length = S.TrainingLength(steps_per_epoch=3, total_steps=12)
    got = S.preview(cfg, length, [1.0, 0.2])
    # W = 2 epochs x 3 = 6 optimizer steps: LR = base * min(t, 6) / 6 (no epoch at 0)
    want = np.minimum(np.arange(13), 6)[:, None] / 6 * [1.0, 0.2]
    assert np.allclose(got, want, rtol=1e-12)
    # frequency does not change the warmup (it counts optimizer steps)
    got2 = S.preview(cfg.model_copy(update={"frequency": 2}), length, [1.0, 0.2])
    assert np.allclose(got2, want, rtol=1e-12)
    # the runtime's warmup LRs are the preview's, step by step: one Lightning dict (the
    # per-epoch metric dict), the warmup moved by the optimizer's steps
    opt = make_optimizer()
    spec = cfg.create_scheduler(opt, length)
    assert (spec["interval"], spec["reduce_on_plateau"]) == ("epoch", True)
    assert cfg.create_schedulers(make_optimizer(), length)[0].keys() == spec.keys()
    plateau = spec["scheduler"]
    for t in range(12):
        assert opt.param_groups[1]["lr"] == pytest.approx(0.03 * got[t, 0], rel=1e-15, abs=0)
        opt.step()
        if (t + 1) % 3 == 0:
            plateau.step(1.0)


@settings(max_examples=50, deadline=None)
@given(
    metrics=st.lists(st.floats(-5, 5), min_size=1, max_size=40),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    factor=st.floats(0.05, 0.95),
    min_lr=st.sampled_from([0.0, 1e-3]),
)
def test_property_equals_torch_and_never_rises(metrics, patience, cooldown, factor, min_lr):
    cfg = S.ReduceLROnPlateauConfig(
        monitor="m", patience=patience, cooldown=cooldown, factor=factor, min_lr=min_lr
    )
    opt, ref_opt = make_optimizer(), make_optimizer()
    sched: Any = cfg.create_scheduler_impl(opt, LENGTH)
    ref = torch_plateau(ref_opt, cfg)
    prev = lrs(opt)
    for m in metrics:
        sched.step(m)
        ref.step(m)
        now = lrs(opt)
        assert now == lrs(ref_opt)
        assert all(a <= b for a, b in zip(now, prev))
        assert all(a >= min(min_lr, b) for a, b in zip(now, BASES))
        prev = now
