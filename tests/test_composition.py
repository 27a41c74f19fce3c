"""``sequential`` and ``per_group``: phase locality, holds, groups, plateau mixes, resume."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pydantic
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nshsched as S
from _helpers.resume import assert_plain, resume
from _helpers.stepping import config_stepped, group_optimizer
from nshsched.runtime.plateau import PlateauScheduler
from nshsched.runtime.scheduler import ClosedFormLRScheduler


@S.lr_scheduler_registry.register
class CustomTorchSchedulerConfig(S.LRSchedulerConfigBase):
    """A user's arbitrary torch scheduler: it cannot drive a subset of the groups."""

    name: Literal["test_composition_custom"] = "test_composition_custom"

    def metadata(self) -> S.LRSchedulerMetadata:
        return {"interval": "epoch"}

    def create_scheduler_impl(self, optimizer: Any, length: S.TrainingLength) -> Any:
        return torch.optim.lr_scheduler.StepLR(optimizer, 1)


def tl(total: int, spe: int = 5) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=spe, total_steps=total)


def frac(v: float) -> dict[str, Any]:
    return {"kind": "fraction", "value": v}


def hf_cosine(t: int, total: int, warmup: int = 0) -> float:
    if t < warmup:
        return t / warmup
    progress = (t - warmup) / (total - warmup)
    return max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))


def hf_linear(t: int, total: int, warmup: int = 0) -> float:
    if t < warmup:
        return t / warmup
    return max(0.0, (total - t) / (total - warmup))


def optimizer(lrs: dict[str | None, float]) -> torch.optim.Optimizer:
    return group_optimizer(lrs, lr=1.0)


def stepped(config: S.LRSchedulerConfigBase, length: S.TrainingLength, lrs: dict) -> np.ndarray:
    """Step the real scheduler after every optimizer step; rows 0..total."""
    return config_stepped(config, optimizer(lrs), length)


def seq(*phases: tuple[dict[str, Any], Any], **kw: Any) -> S.SequentialSchedulerConfig:
    return S.SequentialSchedulerConfig(
        phases=[
            {"schedule": s} if d is None else {"schedule": s, "duration": d} for s, d in phases
        ],
        **kw,
    )


# ---------------------------------------------------------------------- sequential


def test_sequential_phases_see_local_steps_and_their_own_length() -> None:
    # 40 steps: cosine over 10 steps, linear over a fraction 0.5 of training (20), then a
    # constant-with-warmup whose warmup is half of *its* phase (the 10 remaining -> 5).
    config = seq(
        ({"name": "cosine"}, 10),
        ({"name": "linear"}, frac(0.5)),
        ({"name": "constant_with_warmup", "warmup": frac(0.5)}, None),
    )
    assert config.phase_steps(tl(40)) == [10, 20, 10]
    got = S.preview(config, tl(40))[:, 0]
    expected = [
        hf_cosine(t, 10) if t < 10 else hf_linear(t - 10, 20) if t < 30 else min(1.0, (t - 30) / 5)
        for t in range(41)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stepped(config, tl(40), {None: 1.0})[:, 0], got, rtol=1e-14)


def test_sequential_table() -> None:
    config = seq(({"name": "linear"}, 4), ({"name": "constant_with_warmup", "warmup": 2}, None))
    assert S.preview(config, tl(8))[:, 0].tolist() == [
        1.0,
        0.75,
        0.5,
        0.25,
        0.0,
        0.5,
        1.0,
        1.0,
        1.0,
    ]


def test_omitted_last_duration_is_the_rest_of_training() -> None:
    config = seq(({"name": "constant"}, 12), ({"name": "linear"}, None))
    for total in (13, 20, 100):
        assert config.phase_steps(tl(total)) == [12, total - 12]
        got = S.preview(config, tl(total))[:, 0]
        assert got[total] == 0.0  # the linear decay of the last phase ends with training
        np.testing.assert_allclose(got[12:], [hf_linear(t, total - 12) for t in range(total - 11)])


def test_after_the_last_phase_the_lr_holds_its_final_value() -> None:
    # step_lr would keep decaying forever; the sequential holds its value at the phase's end.
    config = seq(({"name": "step_lr", "step_size": 2, "gamma": 0.5, "interval": "step"}, 6))
    got = S.preview(config, tl(20))[:, 0]
    assert got.tolist() == [1, 1, 0.5, 0.5, 0.25, 0.25] + [0.125] * 15
    np.testing.assert_array_equal(stepped(config, tl(20), {None: 1.0})[:, 0], got)
    # Also past the training length (a seek beyond the end).
    opt = optimizer({None: 1.0})
    sched = config.create_scheduler(opt, tl(20))["scheduler"]
    sched.step(10_000)
    assert opt.param_groups[0]["lr"] == 0.125


def test_phase_with_epoch_interval_counts_its_own_epochs() -> None:
    # cosine_annealing_lr defaults to interval epoch: the local optimizer step t is epoch t // 5.
    config = seq(
        ({"name": "constant"}, 7),
        ({"name": "cosine_annealing_lr", "T_max": 2, "eta_min": 0.1}, 10),
    )
    got = S.preview(config, tl(17, spe=5), [2.0])[:, 0]
    for t in range(7, 18):
        u = (t - 7) // 5
        expected = 0.1 + (2.0 - 0.1) * (1 + math.cos(math.pi * u / 2)) / 2
        assert got[t] == pytest.approx(expected, rel=1e-12), t
    np.testing.assert_allclose(stepped(config, tl(17), {None: 2.0})[:, 0], got, rtol=1e-14)


def test_sequential_with_warmup_nesting_and_epoch_interval() -> None:
    inner = {
        "name": "sequential",
        "phases": [
            {"schedule": {"name": "linear"}, "duration": frac(0.5)},
            {"schedule": {"name": "constant"}},
        ],
    }
    config = seq((inner, 8), ({"name": "constant"}, None), warmup={"kind": "steps", "value": 4})
    got = S.preview(config, tl(20))[:, 0]
    # 4 warmup steps 0 -> 1, then the inner phase (8 steps: linear over half of them, 4,
    # then constant), then the constant outer phase.
    assert got.tolist() == [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25] + [1.0] * 13
    by_epoch = seq(({"name": "linear"}, None), interval="epoch")
    got = S.preview(by_epoch, tl(20, spe=5))[:, 0]
    assert got.tolist() == [hf_linear(5 * (t // 5), 20) for t in range(21)]
    np.testing.assert_allclose(
        S.preview(by_epoch, tl(20, spe=5))[:, 0],
        S.preview(seq(({"name": "linear"}, None), frequency=5), tl(20, spe=5))[:, 0],
    )


@settings(max_examples=50, deadline=None)
@given(d1=st.integers(1, 20), rest=st.integers(1, 40), base=st.floats(1e-4, 10))
def test_sequential_warmup_then_cosine_properties(d1: int, rest: int, base: float) -> None:
    total = d1 + rest
    config = seq(
        ({"name": "constant_with_warmup", "warmup": frac(1.0)}, d1), ({"name": "cosine"}, None)
    )
    got = S.preview(config, tl(total), [base])[:, 0]
    assert np.all(np.isfinite(got))
    assert np.all(got >= 0) and np.all(got <= base * (1 + 1e-12))
    assert np.all(np.diff(got[: d1 + 1]) >= 0)  # monotone within each phase
    assert np.all(np.diff(got[d1:]) <= 1e-15)
    assert got[d1] == pytest.approx(base)  # continuous where the phases join
    assert got[d1] - got[d1 - 1] == pytest.approx(base / d1)
    assert got[total] == pytest.approx(0.0, abs=1e-12)  # the minimum after the end


def test_sequential_round_trips_and_accepts_aliases() -> None:
    config = seq(
        ({"name": "StepLR", "step_size": 3}, {"kind": "epochs", "value": 2}),
        ({"name": "constant"}, None),
    )
    again = S.lr_scheduler_registry.construct(config.model_dump())
    assert again == config
    assert S.SequentialSchedulerConfig.model_validate_json(config.model_dump_json()) == config
    assert config.phases[0].schedule.name == "step_lr"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("phases", "match"),
    [
        ([], r"phases: .*at least 1 item"),
        (
            [
                {"schedule": {"name": "constant"}, "duration": 3},
                {"schedule": {"name": "reduce_lr_on_plateau", "monitor": "val"}},
            ],
            r"phases\[1\]\.schedule: a sequential phase must be a closed-form schedule.*ReduceLROnPlateauConfig",
        ),
        (
            [
                {"schedule": {"name": "per_group"}, "duration": 3},
                {"schedule": {"name": "constant"}},
            ],
            r"phases\[0\]\.schedule: a sequential phase must be a closed-form",
        ),
        (
            [{"schedule": {"name": "constant"}}, {"schedule": {"name": "linear"}}],
            r"phases\[0\]\.duration: only the last phase may omit its duration",
        ),
        ([{"schedule": {"name": "constant"}, "duration": -1}], r"duration"),
        (
            [{"schedule": {"name": "constant"}, "length": 3}],
            r"phases\.0\.length: not a field of SequentialPhaseConfig",
        ),
        ([{"schedule": {"name": "cosinus"}}], r"cosinus"),
    ],
)
def test_sequential_validation_errors(phases: list, match: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=f"(?s){match}"):
        S.SequentialSchedulerConfig(phases=phases)


def test_sequential_durations_overflowing_training_fail_at_creation() -> None:
    config = seq(({"name": "constant"}, 30), ({"name": "linear"}, frac(0.5)))
    with pytest.raises(
        ValueError,
        match=r"phase durations \[30, 20\] \(optimizer steps\) add up to 50 > total_steps=40",
    ):
        config.create_scheduler(optimizer({None: 1.0}), tl(40))
    with pytest.raises(ValueError, match="add up to 50 > total_steps=40"):
        S.preview(config, tl(40))
    omitted = seq(({"name": "constant"}, 41), ({"name": "linear"}, None))
    with pytest.raises(ValueError, match=r"\[41\] .* add up to 41 > total_steps=40"):
        omitted.create_scheduler(optimizer({None: 1.0}), tl(40))
    # Filling the training exactly is fine; the omitted last phase is then empty.
    exact = seq(({"name": "linear"}, 40), ({"name": "constant"}, None))
    assert exact.phase_steps(tl(40)) == [40, 0]


# ---------------------------------------------------------------------- per_group


LRS = {"encoder": 0.1, "head": 1.0, "frozen": 0.5, "other": 0.2}


def per_group_mix() -> S.PerGroupSchedulerConfig:
    return S.PerGroupSchedulerConfig(
        default={"name": "linear", "warmup": {"kind": "steps", "value": 4}},
        groups={
            "encoder": {"name": "cosine_annealing_lr", "T_max": 4},  # interval epoch
            "head": {"name": "cosine"},
            "frozen": None,
        },
    )


def test_per_group_mix_formulas_and_stepped_equal_preview() -> None:
    config = per_group_mix()
    length = tl(20, spe=5)
    got = S.preview(config, length, LRS)
    assert got.shape == (21, 4)
    for t in range(21):
        u = t // 5
        assert got[t, 0] == pytest.approx(0.1 * (1 + math.cos(math.pi * u / 4)) / 2, abs=1e-15)
        assert got[t, 1] == pytest.approx(hf_cosine(t, 20), abs=1e-15)
        assert got[t, 2] == 0.5  # None: constant
        assert got[t, 3] == pytest.approx(0.2 * hf_linear(t, 20, warmup=4), abs=1e-15)
    np.testing.assert_allclose(stepped(config, length, LRS), got, rtol=1e-14, atol=1e-16)


def test_per_group_default_and_none() -> None:
    length = tl(10)
    # No default: unlisted groups are constant.
    config = S.PerGroupSchedulerConfig(groups={"head": {"name": "linear"}})
    got = S.preview(config, length, {"head": 1.0, "body": 0.3})
    assert got[:, 1].tolist() == [0.3] * 11
    assert got[:, 0].tolist() == [hf_linear(t, 10) for t in range(11)]
    # Only a default: every group follows it, ratios preserved.
    config = S.PerGroupSchedulerConfig(default={"name": "linear"})
    got = S.preview(config, length, {"a": 1.0, "b": 0.25})
    np.testing.assert_allclose(got[:, 1], got[:, 0] * 0.25)
    # Unnamed groups use the default too.
    np.testing.assert_allclose(S.preview(config, length, [1.0, 0.25]), got)
    # A None group is reset to its base LR even after a manual edit.
    opt = optimizer({"head": 1.0, "body": 0.3})
    sched = S.PerGroupSchedulerConfig(groups={"head": {"name": "linear"}}).create_scheduler(
        opt, length
    )["scheduler"]
    opt.param_groups[1]["lr"] = 9.0
    opt.step()
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.9, 0.3]


def test_per_group_all_constant_is_one_lightning_dict() -> None:
    # new in issue 18 (§11.1: one dict for every config): was "needs 0 Lightning scheduler dicts"
    config = S.PerGroupSchedulerConfig(groups={"head": None})
    opt = optimizer({"head": 1.0, "body": 0.3})
    spec = config.create_scheduler(opt, tl(4))
    assert (spec["interval"], spec["frequency"]) == ("step", 1)
    assert config.create_schedulers(opt, tl(4)) != []
    opt.param_groups[0]["lr"] = 9.0  # a manual edit is undone: the base LRs are held
    for _ in range(4):
        opt.step()
        spec["scheduler"].step()
        assert [g["lr"] for g in opt.param_groups] == [1.0, 0.3]


def test_per_group_unknown_group_name_is_an_error_at_creation() -> None:
    config = S.PerGroupSchedulerConfig(groups={"encodr": {"name": "linear"}, "head": None})
    opt = optimizer({"encoder": 0.1, "head": 1.0})
    with pytest.raises(
        ValueError,
        match=r"groups \['encodr'\] match no param group; the param groups are named \['encoder', 'head'\]",
    ):
        config.create_scheduler(opt, tl(10))
    with pytest.raises(ValueError, match=r"\['encodr'\] match no param group"):
        config.create_schedulers(opt, tl(10))
    with pytest.raises(ValueError, match=r"\['encodr'\] match no param group"):
        S.preview(config, tl(10), {"encoder": 0.1, "head": 1.0})
    with pytest.raises(ValueError, match=r"\['encodr', 'head'\] match no param group.*named \[\]"):
        S.preview(config, tl(10), [0.1, 1.0])


def test_per_group_resume_is_exact_for_every_group() -> None:
    config = per_group_mix()
    length = tl(1000, spe=50)

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = optimizer(LRS)
        return opt, config.create_scheduler(opt, length)["scheduler"]

    # the state goes through torch.save / torch.load(weights_only=True)
    r = resume(make, 120, 850)
    assert r.resumed == r.uninterrupted


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"default": {"name": "per_group"}}, r"default: per_group cannot be nested"),
        (
            {"groups": {"a": {"name": "test_composition_custom"}}},
            r"groups\['a'\]: .* custom scheduler",
        ),
        ({"interval": "epoch"}, r"set interval/frequency on each child.*interval='epoch'"),
        ({"frequency": 2}, r"set interval/frequency on each child.*frequency=2"),
        ({"monitor": "val"}, r"set monitor on the reduce_lr_on_plateau child.*monitor='val'"),
        ({"groups": {"a": {"name": "linaer"}}}, r"linaer"),
    ],
)
def test_per_group_validation_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=f"(?s){match}"):
        S.PerGroupSchedulerConfig(**kwargs)


def test_per_group_round_trip() -> None:
    config = per_group_mix()
    assert S.lr_scheduler_registry.construct(config.model_dump()) == config
    assert S.PerGroupSchedulerConfig.model_validate_json(config.model_dump_json()) == config
    assert config.model_dump()["groups"]["frozen"] is None


# ---------------------------------------------------------------------- per_group with plateau


def plateau_mix() -> S.PerGroupSchedulerConfig:
    return S.PerGroupSchedulerConfig(
        default={"name": "cosine"},
        groups={
            "critic": {
                "name": "reduce_lr_on_plateau",
                "monitor": "val_loss",
                "patience": 1,
                "factor": 0.5,
            },
            "frozen": None,
        },
    )


def two_plateaus() -> S.PerGroupSchedulerConfig:
    return S.PerGroupSchedulerConfig(
        default={"name": "cosine"},
        groups={
            "actor": {"name": "reduce_lr_on_plateau", "monitor": "reward", "mode": "max"},
            "critic": {"name": "reduce_lr_on_plateau", "monitor": "val_loss"},
        },
    )


def test_per_group_with_several_plateaus_needs_create_schedulers() -> None:
    # each plateau child is stepped with its own metric: one Lightning dict each
    opt = optimizer({"actor": 1.0, "critic": 0.5, "frozen": 0.1})
    with pytest.raises(ValueError, match=r"several plateau schedules.*use create_schedulers"):
        two_plateaus().create_scheduler(opt, tl(20))
    with pytest.raises(ValueError, match=r"2 plateau schedules.*use create_schedulers"):
        two_plateaus().create_scheduler_impl(opt, tl(20))
    specs = two_plateaus().create_schedulers(opt, tl(20))
    assert [(s["interval"], s.get("monitor")) for s in specs] == [
        ("step", None),
        ("epoch", "reward"),
        ("epoch", "val_loss"),
    ]
    assert [s["scheduler"].group_indices for s in specs[1:]] == [[0], [1]]
    assert [s.get("name") for s in specs] == [None, "lr-SGD", "lr-SGD"]


def test_per_group_with_one_plateau_is_one_lightning_dict_that_minds_its_groups() -> None:
    spe, epochs = 4, 6
    opt = optimizer({"actor": 1.0, "critic": 0.5, "frozen": 0.1})
    spec = plateau_mix().create_scheduler(opt, tl(spe * epochs, spe))
    assert (
        plateau_mix()
        .create_schedulers(
            optimizer({"actor": 1.0, "critic": 0.5, "frozen": 0.1}), tl(spe * epochs, spe)
        )[0]
        .keys()
        == spec.keys()
    )
    assert spec == spec | {
        "interval": "epoch",
        "frequency": 1,
        "monitor": "val_loss",
        "reduce_on_plateau": True,
        "strict": True,
    }
    plateau = spec["scheduler"]
    assert isinstance(plateau, PlateauScheduler)
    assert plateau.group_indices == [1]
    assert isinstance(plateau.companion, ClosedFormLRScheduler)  # the closed-form groups
    # Drive it as Lightning does: optimizer steps (the closed form follows them through the
    # optimizer's step hook), the metric at each epoch end, never improving after epoch 1.
    critic = []
    for epoch in range(epochs):
        for b in range(spe):
            opt.step()
            t = epoch * spe + b + 1
            assert opt.param_groups[0]["lr"] == pytest.approx(hf_cosine(t, spe * epochs), abs=1e-15)
            assert opt.param_groups[2]["lr"] == 0.1
        plateau.step(1.0)
        critic.append(opt.param_groups[1]["lr"])
    # patience 1: reduced after the 2nd bad epoch (epochs 3 and 5), never touched by the cosine.
    assert critic == [0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    preview = S.preview(
        plateau_mix(), tl(spe * epochs, spe), {"actor": 1.0, "critic": 0.5, "frozen": 0.1}
    )
    assert preview[:, 1].tolist() == [0.5] * (spe * epochs + 1)  # before any reduction
    # a resume restores both parts: the next LRs of every group are the same
    state = plateau.state_dict()
    assert_plain(state)
    opt2 = optimizer({"actor": 1.0, "critic": 0.5, "frozen": 0.1})
    again = plateau_mix().create_scheduler(opt2, tl(spe * epochs, spe))["scheduler"]
    again.load_state_dict(state)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_per_group_only_plateau_children_and_shared_default() -> None:
    config = S.PerGroupSchedulerConfig(
        default={
            "name": "reduce_lr_on_plateau",
            "monitor": "val_loss",
            "warmup": {"kind": "epochs", "value": 2},
        }
    )
    opt = optimizer({"a": 1.0, "b": 0.5})
    specs = config.create_schedulers(opt, tl(40, 10))
    # no closed-form group: one plateau scheduler for both groups, whose warmup advances at
    # every optimizer step by itself
    assert [s["interval"] for s in specs] == ["epoch"]
    assert specs[0]["scheduler"].group_indices == [0, 1]
    assert specs[0]["scheduler"].companion is None
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.0]  # the plateau's warmup starts at 0
    opt.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1.0 / 20, 0.5 / 20], rel=1e-12)
    no_plateau = S.PerGroupSchedulerConfig(default={"name": "linear"})
    specs = no_plateau.create_schedulers(optimizer({"a": 1.0}), tl(40, 10))
    assert len(specs) == 1 and specs[0]["interval"] == "step"


def test_per_group_with_plateau_under_a_real_lightning_trainer() -> None:
    lightning = pytest.importorskip("lightning.pytorch")
    from _helpers.lightning import LRRecorder, loader, tiny_trainer

    config = S.PerGroupSchedulerConfig(
        default={"name": "linear"},
        groups={"critic": {"name": "reduce_lr_on_plateau", "monitor": "val_loss", "patience": 0}},
    )

    class Tiny(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.actor = torch.nn.Linear(2, 1)
            self.critic = torch.nn.Linear(2, 1)

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            return (self.actor(batch[0]) + self.critic(batch[0])).pow(2).mean()

        def validation_step(self, batch: Any, batch_idx: int) -> None:
            self.log("val_loss", 1.0)  # never improves: the critic is reduced every epoch

        def configure_optimizers(self) -> Any:
            opt = torch.optim.SGD(
                [
                    {"params": self.actor.parameters(), "name": "actor", "lr": 1.0},
                    {"params": self.critic.parameters(), "name": "critic", "lr": 0.8},
                ],
                lr=1.0,
            )
            return {"optimizer": opt, "lr_scheduler": config.create_scheduler(opt, self)}

    data = loader(torch.zeros(8, 2))
    recorder = LRRecorder()
    tiny_trainer(max_epochs=3, callbacks=[recorder]).fit(Tiny(), data, data)
    actor = [a for a, _ in recorder.lrs]
    critic = [c for _, c in recorder.lrs]
    assert actor == pytest.approx([hf_linear(t, 12) for t in range(12)])
    # patience 0: reduced after each epoch but the first (whose metric sets the best value).
    assert critic == pytest.approx([0.8] * 8 + [0.08] * 4)
