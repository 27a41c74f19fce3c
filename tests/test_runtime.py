"""The one runtime: the behaviours of API.md §7, and the failures of issue 10 as named tests."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import nshsched as S
from _helpers.resume import assert_plain, resume, state_after
from _helpers.stepping import BodyHead, group_optimizer, lrs_of, stepped_rows

LENGTH = S.TrainingLength(steps_per_epoch=4, total_steps=40)


def sgd(*lrs: float, momentum: float = 0.9, names: bool = True) -> torch.optim.Optimizer:
    return group_optimizer(lrs, names=names, momentum=momentum)


lrs = lrs_of
run = stepped_rows  # (optimizer, scheduler, n): the LRs at steps 0..n


def Net() -> torch.nn.Module:
    return BodyHead(2, 2, 1)


# ---------------------------------------------------------------------- warmup counts steps


def test_epoch_schedule_warmup_rises_every_optimizer_step_no_epoch_at_zero() -> None:
    # issue 10: cosine_annealing_lr (interval epoch) + warmup 2 epochs ran epoch 0 at LR 0
    cfg = S.lr_scheduler_registry.construct(
        {"name": "cosine_annealing_lr", "T_max": 4, "warmup": {"kind": "epochs", "value": 2}}
    )
    opt = sgd(1.0)
    spec = cfg.create_scheduler(opt, LENGTH)
    assert spec["interval"] == "step"  # a warmed-up epoch schedule is a step scheduler
    got = np.array(run(opt, spec["scheduler"], 40))[:, 0]
    # W = 2 epochs x 4 = 8 optimizer steps: t / 8, then the cosine on local epochs
    # (t - 8) // 4: 0.5 (1 + cos(pi e / 4)) with T_max = 4 (torch's oscillation after it)
    want = [t / 8 if t < 8 else 0.5 * (1 + np.cos(np.pi * ((t - 8) // 4) / 4)) for t in range(41)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert (got[1:8] > 0).all()  # no epoch at LR 0
    np.testing.assert_allclose(S.preview(cfg, LENGTH)[:, 0], want, rtol=1e-12, atol=1e-15)


def test_epoch_schedule_without_warmup_stays_an_epoch_scheduler_equal_to_torch() -> None:
    cfg = S.CosineAnnealingLRConfig(T_max=5, eta_min=0.01)
    opt, ref_opt = sgd(1.0, 0.3), sgd(1.0, 0.3)
    spec = cfg.create_scheduler(opt, LENGTH)
    assert spec["interval"] == "epoch"
    ref = L.CosineAnnealingLR(ref_opt, T_max=5, eta_min=0.01)
    for _ in range(12):
        spec["scheduler"].step()
        ref.step()
        np.testing.assert_allclose(lrs(opt), lrs(ref_opt), rtol=1e-9)


def test_plateau_warmup_in_steps_is_not_converted_to_epochs() -> None:
    # issue 10: a plateau warmup in steps was converted to epochs: first epoch at 0
    cfg = S.ReduceLROnPlateauConfig(monitor="loss", warmup={"kind": "steps", "value": 6})
    got = S.preview(cfg, LENGTH, [1.0])[:8, 0]
    np.testing.assert_allclose(got, [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1, 1], rtol=1e-12)
    opt = sgd(1.0)
    spec = cfg.create_scheduler(opt, LENGTH)  # one dict: the warmup follows optimizer steps
    assert spec["interval"] == "epoch"
    seen = [lrs(opt)[0]]
    for _ in range(7):
        opt.step()
        seen.append(lrs(opt)[0])
    np.testing.assert_allclose(seen, got, rtol=1e-12)


# ---------------------------------------------------------------------- absolute schedules


STEP_DECAY = {
    "name": "step_decay",
    "intervals": [{"start": 0, "end": 10, "lr": 1e-3}, {"start": 10, "end": 20, "lr": 5e-4}],
}


def _oc(**kw: Any) -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 1e-3, "momentum": 0.9}, **kw}
    )


def test_global_absolute_schedule_keeps_group_ratios() -> None:
    # issue 10: step_decay overwrote every group with the same LR (lr_scale 10 lost)
    oc = _oc(
        scheduler=STEP_DECAY, param_groups=[{"name": "head", "params": ["head.*"], "lr_scale": 10}]
    )
    got = S.preview(oc, LENGTH, model=Net())
    assert S.preview_groups(oc, Net()) == ["head", "default"]
    np.testing.assert_allclose(got[:, 0], 10 * got[:, 1], rtol=1e-12)
    assert got[5].tolist() == pytest.approx([1e-2, 1e-3], rel=1e-12)
    assert got[15].tolist() == pytest.approx([5e-3, 5e-4], rel=1e-12)
    opt, sched = oc.build(Net(), LENGTH)
    np.testing.assert_allclose(run(opt, sched, 40), got, rtol=1e-12)


@pytest.mark.parametrize("preset", ["gentle_decay", "aggressive_decay", "stage_based"])
def test_absolute_presets_keep_group_ratios(preset: str) -> None:
    oc = _oc(
        scheduler=S.presets.load(preset).model_dump(),
        param_groups=[{"name": "head", "params": ["head.*"], "lr": 3e-3}],
    )
    got = S.preview(oc, S.TrainingLength(steps_per_epoch=10, total_steps=300), model=Net())
    np.testing.assert_allclose(got[:, 0], 3 * got[:, 1], rtol=1e-12)


def test_group_own_absolute_schedule_sets_the_group_lr_exactly() -> None:
    oc = _oc(
        param_groups=[
            {"name": "head", "params": ["head.*"], "lr_scale": 10, "scheduler": STEP_DECAY}
        ],
        no_weight_decay=False,
    )
    got = S.preview(oc, LENGTH)  # no model: one column per configured group, then default
    assert got[5].tolist() == pytest.approx([1e-3, 1e-3], rel=1e-12)  # exactly the interval LR
    assert got[15].tolist() == pytest.approx([5e-4, 1e-3], rel=1e-12)


def test_hf_absolute_ends_as_a_global_and_as_a_group_schedule() -> None:
    poly = {"name": "polynomial", "lr_end": 1e-5, "warmup": 2}
    glob = _oc(scheduler=poly, param_groups=[{"name": "head", "params": ["head.*"], "lr_scale": 2}])
    got = S.preview(glob, LENGTH, model=Net())
    assert got[-1].tolist() == pytest.approx([2e-5, 1e-5], rel=1e-9)  # HF: factor lr_end / lr
    own = _oc(
        param_groups=[{"name": "head", "params": ["head.*"], "lr_scale": 2, "scheduler": poly}]
    )
    got = S.preview(own, LENGTH, model=Net())
    assert got[-1].tolist() == pytest.approx([1e-5, 1e-3], rel=1e-9)  # the group alone
    opt, sched = own.build(Net(), LENGTH)
    np.testing.assert_allclose(run(opt, sched, 40), got, rtol=1e-12)


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "polynomial", "warmup": 3, "lr_end": 1e-4, "power": 2.0},
        {"name": "cosine_with_min_lr", "warmup": 3, "min_lr": 1e-4},
    ],
)
def test_hf_absolute_preview_equals_the_scheduler_with_several_groups(
    schedule: dict[str, Any],
) -> None:
    # issue 10: preview differed from the real scheduler for these with several groups
    cfg = S.lr_scheduler_registry.construct(schedule)
    opt = sgd(1e-3, 5e-4, 2e-3)
    got = run(opt, cfg.create_scheduler(opt, LENGTH)["scheduler"], 40)
    np.testing.assert_allclose(S.preview(cfg, LENGTH, [1e-3, 5e-4, 2e-3]), got, rtol=1e-12)


# ---------------------------------------------------------------------- preview of everything


def test_preview_of_an_optimization_config_uses_lr_groups_and_group_schedules() -> None:
    # issue 10: the CLI preview ignored the optimizer lr, group lr/lr_scale and group
    # schedulers, and refused a config whose only schedule is on a group
    oc = _oc(
        param_groups=[
            {"name": "head", "params": ["head.*"], "lr_scale": 10},
            {"name": "body", "params": ["body.*"], "lr": 5e-4, "scheduler": {"name": "linear"}},
        ]
    )
    got = S.preview(oc, LENGTH)
    assert S.preview_groups(oc) == ["head", "body", "default"]
    assert got[0].tolist() == pytest.approx([1e-2, 5e-4, 1e-3])
    assert got[20].tolist() == pytest.approx([1e-2, 2.5e-4, 1e-3])
    assert got[40].tolist() == pytest.approx([1e-2, 0.0, 1e-3])


def test_preview_of_other_keys_and_unknown_keys() -> None:
    oc = _oc(scheduler={"name": "one_cycle_lr", "max_lr": 0.1, "base_momentum": 0.8})
    momentum = S.preview(oc, LENGTH, key="momentum")
    assert momentum[0, 0] == pytest.approx(0.95) and momentum.min() == pytest.approx(0.8)
    wd = S.preview(_oc(), LENGTH, key="weight_decay")
    assert (wd == 0.0).all()
    with pytest.raises(
        ValueError, match=r"unknown key 'betas\.1'; the param groups have \[.*'momentum'"
    ):
        S.preview(oc, LENGTH, key="betas.1")
    with pytest.raises(ValueError, match="key='momentum' needs an OptimizationConfig"):
        S.preview({"name": "constant"}, LENGTH, key="momentum")


# ---------------------------------------------------------------------- tensors in place


def test_tensor_lrs_are_filled_in_place_by_every_scheduler() -> None:
    # issue 10: plateau turned a tensor LR into a float; closed forms replaced the tensor
    for config, metric in [
        (S.lr_scheduler_registry.construct({"name": "cosine", "warmup": 3}), None),
        (
            S.lr_scheduler_registry.construct(
                {
                    "name": "step_lr",
                    "step_size": 1,
                    "gamma": 0.5,
                    "warmup": {"kind": "steps", "value": 2},
                }
            ),
            None,
        ),
        (
            S.ReduceLROnPlateauConfig(
                monitor="m", patience=0, warmup={"kind": "steps", "value": 2}
            ),
            1.0,
        ),
    ]:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=torch.tensor(0.1), momentum=0.9)
        tensor = opt.param_groups[0]["lr"]
        specs = config.create_schedulers(opt, LENGTH)
        for t in range(8):
            for spec in specs:
                if spec.get("reduce_on_plateau"):
                    spec["scheduler"].step(metric)
                elif spec["interval"] == "step" or t % 4 == 3:
                    spec["scheduler"].step()
            assert opt.param_groups[0]["lr"] is tensor
        assert float(tensor) < 0.1  # it did change


def test_compiled_optimizer_step_does_not_recompile_when_the_lr_changes() -> None:
    import torch._dynamo

    torch._dynamo.reset()
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.1), momentum=0.9)
    cfg = S.lr_scheduler_registry.construct({"name": "cosine", "warmup": 2})
    sched = cfg.create_scheduler(opt, LENGTH)["scheduler"]
    frames: list[int] = []

    def count(gm: Any, example_inputs: Any) -> Any:
        frames.append(1)
        return gm.forward

    step = torch.compile(opt.step, backend=count)
    for _ in range(2):  # the first steps create the momentum buffers: a graph each
        model(torch.randn(4, 3)).sum().backward()
        step()
        sched.step()
    compiled = len(frames)
    before = float(opt.param_groups[0]["lr"])
    for _ in range(6):
        model(torch.randn(4, 3)).sum().backward()
        step()
        sched.step()
    assert float(opt.param_groups[0]["lr"]) != before  # the schedule changed the LR ...
    assert len(frames) == compiled, f"recompiled {len(frames) - compiled} times"  # ... in place


# ---------------------------------------------------------------------- torch mirrors complete


def test_one_cycle_lr_per_group_max_lr_equals_torch() -> None:
    cfg = S.OneCycleLRConfig(max_lr=[0.1, 0.5], total_steps=30, cycle_momentum=True)
    opt, ref_opt = sgd(0.01, 0.01), sgd(0.01, 0.01)
    sched = cfg.create_scheduler(opt, LENGTH)["scheduler"]
    ref = L.OneCycleLR(ref_opt, max_lr=[0.1, 0.5], total_steps=30)
    for _ in range(28):
        np.testing.assert_allclose(lrs(opt), lrs(ref_opt), rtol=1e-9)
        assert [g["momentum"] for g in opt.param_groups] == pytest.approx(
            [g["momentum"] for g in ref_opt.param_groups], rel=1e-9
        )
        opt.step(), ref_opt.step()
        sched.step(), ref.step()
    with pytest.raises(ValueError, match=r"max_lr has 2 values for 3 param groups"):
        cfg.create_scheduler(sgd(1, 1, 1), LENGTH)


def test_cyclic_lr_per_group_bounds_equal_torch() -> None:
    cfg = S.CyclicLRConfig(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3)
    opt, ref_opt = sgd(0.01, 0.01), sgd(0.01, 0.01)
    sched = cfg.create_scheduler(opt, LENGTH)["scheduler"]
    ref = L.CyclicLR(ref_opt, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3)
    for _ in range(20):
        np.testing.assert_allclose(lrs(opt), lrs(ref_opt), rtol=1e-9)
        opt.step(), ref_opt.step()
        sched.step(), ref.step()


@pytest.mark.parametrize(
    "phase",
    [
        {"name": "constant_lr", "factor": 0.5, "total_iters": 2, "interval": "step"},
        {"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3},
        {"name": "one_cycle_lr", "max_lr": 0.5},
    ],
)
def test_sequential_warmup_then_any_closed_form_phase_builds(phase: dict[str, Any]) -> None:
    # issue 10: a warmup phase then constant_lr / cyclic_lr / one_cycle_lr failed (TypeError)
    cfg = S.SequentialSchedulerConfig(
        phases=[
            {
                "schedule": {
                    "name": "constant_with_warmup",
                    "warmup": {"kind": "fraction", "value": 1.0},
                },
                "duration": 5,
            },
            {"schedule": phase},
        ]
    )
    opt = sgd(1.0, 0.2)
    got = run(opt, cfg.create_scheduler(opt, LENGTH)["scheduler"], 40)
    np.testing.assert_allclose(S.preview(cfg, LENGTH, [1.0, 0.2]), got, rtol=1e-12, atol=1e-15)
    assert np.asarray(got)[:6, 0].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, got[5][0]])


def test_momentum_of_a_sequential_cycling_phase_is_restored_by_load_state_dict() -> None:
    cfg = S.SequentialSchedulerConfig(
        phases=[
            {"schedule": {"name": "constant"}, "duration": 10},
            {"schedule": {"name": "one_cycle_lr", "max_lr": 0.5, "base_momentum": 0.7}},
        ]
    )
    opt = sgd(0.1, momentum=0.9)
    cfg.create_scheduler(opt, LENGTH)
    assert opt.param_groups[0]["momentum"] == 0.9  # outside the cycling phase: configured

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = sgd(0.1, momentum=0.9)
        return opt, cfg.create_scheduler(opt, LENGTH)["scheduler"]

    def momentum_and_lrs(opt: torch.optim.Optimizer) -> tuple[float, list[float]]:
        return opt.param_groups[0]["momentum"], lrs(opt)

    r = resume(make, 20, 0, record=momentum_and_lrs)
    assert_plain(r.state)
    (want, want_lrs), (got, got_lrs) = r.uninterrupted[0], r.resumed[0]
    assert want < 0.9
    assert got == pytest.approx(want, rel=1e-12)
    assert got_lrs == pytest.approx(want_lrs, rel=1e-12)


def test_linear_lr_never_writes_a_negative_lr() -> None:
    # issue 10: linear_lr could write -1.1e-16 where it should write 0
    for start in (1 / 3, 0.1, 0.7, 1.0):
        for total in (3, 7, 10, 33):
            cfg = S.LinearLRConfig(
                start_factor=start, end_factor=0.0, total_iters=total, interval="step"
            )
            got = S.preview(cfg, S.TrainingLength(steps_per_epoch=1, total_steps=total + 2))
            assert (got >= 0).all() and got[-1, 0] == 0.0


# ---------------------------------------------------------------------- the clock


def test_step_to_seeks_in_constant_time_and_equals_stepping() -> None:
    cfg = S.lr_scheduler_registry.construct({"name": "cosine", "warmup": 5})
    opt, ref_opt = sgd(1.0, 0.5), sgd(1.0, 0.5)
    sched = cfg.create_scheduler(opt, LENGTH)["scheduler"]
    stepped = run(ref_opt, cfg.create_scheduler(ref_opt, LENGTH)["scheduler"], 40)
    for n in (37, 3, 0, 22, 40):
        sched.step_to(n)
        assert lrs(opt) == stepped[n]
    with pytest.raises(ValueError, match="step_to: the step must be a whole number >= 0, got -1"):
        sched.step_to(-1)


# ---------------------------------------------------------------------- resume checks


def _saved(
    config: Any, length: S.TrainingLength, steps: int, opt: torch.optim.Optimizer
) -> dict[str, Any]:
    return state_after(opt, config.create_scheduler(opt, length)["scheduler"], steps)


def test_resume_into_reordered_or_renamed_groups_is_an_error() -> None:
    # issue 10: base LRs were swapped without a word
    cfg = S.lr_scheduler_registry.construct({"name": "linear"})
    state = _saved(cfg, LENGTH, 5, sgd(1.0, 0.1))
    reordered = torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1, "name": "g1"},
            {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 1.0, "name": "g0"},
        ],
        lr=1.0,
    )
    sched = cfg.create_scheduler(reordered, LENGTH)["scheduler"]
    with pytest.raises(
        ValueError, match=r"drives param groups \['g0', 'g1'\], this optimizer has \['g1', 'g0'\]"
    ):
        sched.load_state_dict(state)


def test_resume_under_a_longer_run_of_a_step_schedule_is_silent() -> None:
    cfg = S.lr_scheduler_registry.construct({"name": "linear", "total": 30})
    state = _saved(cfg, LENGTH, 12, sgd(1.0))
    longer = S.TrainingLength(steps_per_epoch=4, total_steps=30)
    opt = sgd(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no horizon warning either: total = training
        sched = cfg.create_scheduler(opt, longer)["scheduler"]
    sched.load_state_dict(state)  # the resolved schedule is the same: no error
    assert lrs(opt) == pytest.approx([1 - 12 / 30])


@pytest.mark.parametrize("policy,step", [("continue", 12), ("rescale", 18)])
def test_resume_policies(policy: str, step: int) -> None:
    cfg = S.lr_scheduler_registry.construct({"name": "linear"})  # total: the whole training
    state = _saved(cfg, LENGTH, 12, sgd(1.0))
    longer = S.TrainingLength(steps_per_epoch=4, total_steps=60)
    with pytest.raises(
        ValueError,
        match=r"(?s)linear: the saved scheduler state was made for a different schedule.*"
        r"\(4, 40\) -> \(4, 60\).*on_resume_change",
    ):
        cfg.create_scheduler(sgd(1.0), longer)["scheduler"].load_state_dict(state)
    cfg2 = cfg.model_copy(update={"on_resume_change": policy})
    opt = sgd(1.0)
    sched = cfg2.create_scheduler(opt, longer)["scheduler"]
    sched.load_state_dict(state)
    # new step: continue keeps 12; rescale: 12 * 60 / 40 = 18
    assert sched.last_epoch == step
    assert lrs(opt) == pytest.approx([1 - step / 60])


def test_resume_of_an_edited_config_names_the_change() -> None:
    cfg = S.lr_scheduler_registry.construct({"name": "cosine", "warmup": 4})
    state = _saved(cfg, LENGTH, 5, sgd(1.0))
    edited = cfg.model_copy(update={"warmup": 8})
    with pytest.raises(ValueError, match=r"resolved schedule warmup: 4 -> 8"):
        edited.create_scheduler(sgd(1.0), LENGTH)["scheduler"].load_state_dict(state)


# ---------------------------------------------------------------------- the horizon check


def test_horizon_warns_once_when_the_decay_ends_early_or_late() -> None:
    # issue 10: torch's CosineAnnealingLR with a short T_max climbs back up, silently
    length = S.TrainingLength(steps_per_epoch=5, total_steps=100)  # 20 epochs
    early = S.CosineAnnealingLRConfig(T_max=10)
    with pytest.warns(
        S.HorizonWarning,
        match=r"cosine_annealing_lr: its decay ends at optimizer step 50 of 100: the last 50% of training runs past it",
    ) as record:
        early.create_scheduler(sgd(1.0), length)
    assert len(record) == 1 and record[0].filename == __file__  # the user's line
    late = S.lr_scheduler_registry.construct({"name": "linear", "total": 200})
    with pytest.warns(
        S.HorizonWarning,
        match=r"ends at optimizer step 200, but training stops at step 100: the last 50% of the decay never runs",
    ):
        late.create_scheduler(sgd(1.0), length)
    with pytest.raises(ValueError, match="its decay ends at optimizer step 50 of 100"):
        early.model_copy(update={"horizon_check": "error"}).create_scheduler(sgd(1.0), length)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        early.model_copy(update={"horizon_check": "off"}).create_scheduler(sgd(1.0), length)
        S.CosineAnnealingLRConfig(T_max=20).create_scheduler(sgd(1.0), length)  # fits
        S.CosineAnnealingLRConfig(T_max={"kind": "fraction", "value": 0.5}).create_scheduler(
            sgd(1.0), length
        )
        S.StepLRConfig(step_size=3).create_scheduler(sgd(1.0), length)  # not checked
        S.preview(early, length)  # a preview creates no scheduler


# ---------------------------------------------------------------------- finite values


def test_a_schedule_that_overflows_within_the_horizon_is_an_error_at_creation() -> None:
    cfg = S.ExponentialLRConfig(gamma=10.0, interval="step")
    with pytest.raises(
        ValueError,
        match=r"exponential_lr: gamma=10\.0 compounds: the lr of param group 'g0' would be inf "
        r"at optimizer step 309 of 1000; .* \(lower gamma, or shorten",
    ):
        cfg.create_scheduler(sgd(1.0), S.TrainingLength(steps_per_epoch=10, total_steps=1000))
    cfg.create_scheduler(sgd(1.0), S.TrainingLength(steps_per_epoch=10, total_steps=100))


GROWING = [
    ({"name": "exponential_lr", "gamma": 1.5, "interval": "step"}, "exponential_lr: gamma=1.5"),
    (
        {"name": "step_lr", "step_size": 1, "gamma": 100.0, "interval": "step"},
        "step_lr: gamma=100.0",
    ),
    (
        {"name": "cyclic_lr", "base_lr": 0.1, "max_lr": 1.0, "mode": "exp_range", "gamma": 1.5},
        "cyclic_lr: gamma=1.5",
    ),
    (
        {
            "name": "exponential_decay",
            "intervals": [
                {"start": 0, "end": 2, "init_lr": 0.1, "decay_rate": 0.5, "decay_interval": 1},
                {"start": 2, "end": 20_000, "init_lr": 0.1, "decay_rate": 1.5, "decay_interval": 1},
            ],
        },
        r"exponential_decay: intervals\[1\]\.decay_rate=1.5",
    ),
    (
        {"name": "timm_step", "decay_t": 1, "decay_rate": 1.5, "interval": "step"},
        "timm_step: decay_rate=1.5",
    ),
    (
        {
            "name": "timm_multistep",
            "decay_t": list(range(1, 21)),
            "decay_rate": 1e17,
            "interval": "step",
        },
        "timm_multistep: decay_rate=1e\\+17",
    ),
    (
        {
            "name": "sequential",
            "phases": [
                {"schedule": {"name": "constant"}, "duration": 3},
                {"schedule": {"name": "exponential_lr", "gamma": 1.5, "interval": "step"}},
            ],
        },
        r"sequential: phases\[1\]\.schedule\.gamma=1.5",
    ),
    (
        {
            "name": "per_group",
            "groups": {"g0": {"name": "exponential_lr", "gamma": 1.5, "interval": "step"}},
        },
        "exponential_lr: gamma=1.5",
    ),
]


@pytest.mark.parametrize(("data", "named"), GROWING, ids=lambda x: str(x)[:30])
def test_an_overflow_names_the_field_that_compounds(data: dict, named: str) -> None:
    # issue 18 item 6 (§8, §11.1): a creation-time error about a value names the field
    cfg = S.lr_scheduler_registry.construct(data)
    length = S.TrainingLength(steps_per_epoch=10, total_steps=20_000)
    with pytest.raises(
        ValueError, match=rf"^{named} compounds: the lr of param group 'g0' would be inf"
    ):
        cfg.create_scheduler(sgd(1.0), length)


def test_an_overflowing_hyperparameter_names_its_schedule_field() -> None:
    length = S.TrainingLength(steps_per_epoch=10, total_steps=20_000)
    opt = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "hyperparameters": {
                "momentum": {
                    "schedule": {"name": "exponential_lr", "gamma": 1.5, "interval": "step"}
                }
            },
        }
    )
    with pytest.raises(
        ValueError,
        match=r"^exponential_lr: gamma=1\.5 compounds: the momentum of param group 'default'",
    ):
        opt.build(torch.nn.Linear(2, 2), length)


def test_a_duration_beyond_2_53_steps_is_an_error_naming_the_field() -> None:
    cfg = S.lr_scheduler_registry.construct(
        {"name": "cosine_annealing_lr", "T_max": {"kind": "epochs", "value": 1e13}}
    )
    length = S.TrainingLength(steps_per_epoch=1000, total_steps=10_000)
    with pytest.raises(
        ValueError,
        match=r"cosine_annealing_lr: T_max = \{kind: epochs, value: 1e\+13\} is 10000000000000000 optimizer steps, more than 2\*\*53",
    ):
        cfg.create_scheduler(sgd(1.0), length)
    seq = S.SequentialSchedulerConfig(
        phases=[{"schedule": {"name": "step_lr", "step_size": {"kind": "epochs", "value": 1e13}}}]
    )
    with pytest.raises(ValueError, match=r"phases\[0\]\.schedule\.step_size = "):
        seq.create_scheduler(sgd(1.0), length)
