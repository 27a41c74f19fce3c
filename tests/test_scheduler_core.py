"""The closed-form torch scheduler, the config base classes and Lightning's dict."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import numpy as np
import pydantic
import pytest
import torch

import nshsched as S
from _helpers.resume import resume, through_a_checkpoint
from _helpers.stepping import group_optimizer, lrs_of, step_lrs
from nshsched import functional as F
from nshsched.runtime.plan import Plan, Target
from nshsched.runtime.scheduler import ClosedFormLRScheduler
from nshsched.runtime.stepping import EveryNScheduler

# ---------------------------------------------------------------------- user configs


@S.lr_scheduler_registry.register
class UserQuadraticConfig(S.ClosedFormLRSchedulerConfigBase):
    """A user's closed-form schedule written only as ``multiplier``: (1 - t/T)^2 + floor."""

    name: Literal["test_user_quadratic"] = "test_user_quadratic"
    floor: float = 0.0

    def multiplier(self, step: Any, length: S.TrainingLength) -> Any:
        total = self.total_units(length)
        frac = F.ops(step).minimum(step, total) / total
        return self.floor + (1.0 - self.floor) * (1.0 - frac) ** 2


@S.lr_scheduler_registry.register
class UserStepLRConfig(S.LRSchedulerConfigBase):
    """A user's arbitrary torch scheduler (``create_scheduler_impl`` only)."""

    name: Literal["test_user_step_lr"] = "test_user_step_lr"
    step_size: int = 2
    gamma: float = 0.5

    def metadata(self) -> S.LRSchedulerMetadata:
        return {"interval": "epoch"}

    def create_scheduler_impl(self, optimizer: Any, length: S.TrainingLength) -> Any:
        return torch.optim.lr_scheduler.StepLR(optimizer, self.step_size, self.gamma)


def user_quadratic_formula(t: int, total: int, floor: float = 0.0) -> float:
    return floor + (1 - floor) * (1 - min(t, total) / total) ** 2


LENGTH = S.TrainingLength(steps_per_epoch=10, total_steps=1000)
LIGHTNING_KEYS = {
    "scheduler",
    "name",
    "interval",
    "frequency",
    "reduce_on_plateau",
    "monitor",
    "strict",
}


def make_optimizer(
    lrs: tuple[float, ...] = (1.0, 0.1, 0.01), names: bool = False
) -> torch.optim.Optimizer:
    return group_optimizer(lrs, names=names)


run = step_lrs


def build(config: S.LRSchedulerConfigBase, optimizer: torch.optim.Optimizer, length=LENGTH) -> Any:
    return config.create_scheduler(optimizer, length)["scheduler"]


# ---------------------------------------------------------------------- state and resume


def test_state_dict_is_plain_python_and_loads_with_weights_only() -> None:
    opt = make_optimizer()
    sched = build(UserQuadraticConfig(warmup={"kind": "steps", "value": 5}), opt)
    run(sched, opt, 7)
    state = sched.state_dict()

    def plain(x: Any) -> bool:
        if isinstance(x, dict):
            return all(isinstance(k, str) and plain(v) for k, v in x.items())
        if isinstance(x, list):
            return all(plain(v) for v in x)
        return type(x) in (int, float, bool, str, type(None))

    assert plain(state), state
    assert through_a_checkpoint(state) == state


RESUME_CONFIGS = {
    "user_multiplier": lambda: UserQuadraticConfig(floor=0.1),
    "user_multiplier_warmup": lambda: UserQuadraticConfig(
        warmup={"kind": "fraction", "value": 0.1}
    ),
    "user_multiplier_frequency": lambda: UserQuadraticConfig(frequency=7),
    "sequential": lambda: S.SequentialSchedulerConfig(
        phases=[
            {
                "schedule": UserQuadraticConfig(warmup={"kind": "steps", "value": 20}),
                "duration": 300,
            },
            {"schedule": UserQuadraticConfig(floor=0.3)},
        ]
    ),
}


@pytest.mark.parametrize("key", sorted(RESUME_CONFIGS))
def test_resume_is_bit_identical_for_the_next_800_lrs(key: str) -> None:
    config = RESUME_CONFIGS[key]()

    def make() -> tuple[torch.optim.Optimizer, Any]:
        opt = make_optimizer()
        return opt, build(config, opt)

    def check_loaded(opt2: torch.optim.Optimizer, sched2: Any) -> None:
        assert sched2.get_last_lr() == lrs_of(opt2)

    # the state goes through torch.save / torch.load(weights_only=True)
    r = resume(make, 150, 850, check_loaded=check_loaded)
    assert r.resumed == r.uninterrupted  # exact equality, not approx


def test_load_state_dict_rejects_unknown_keys_and_wrong_group_count() -> None:
    opt = make_optimizer()
    sched = build(UserQuadraticConfig(), opt)
    with pytest.raises(KeyError, match="unexpected keys in the scheduler state: \\['bogus'\\]"):
        sched.load_state_dict({**sched.state_dict(), "bogus": 1})
    other = build(UserQuadraticConfig(), make_optimizer((1.0,)))
    with pytest.raises(
        ValueError,
        match=r"saved scheduler state drives param groups \[None\], this optimizer has "
        r"\[None, None, None\]: the groups must be the same, in the same order",
    ):
        sched.load_state_dict(other.state_dict())


def test_manual_edit_of_group_lr_does_not_leak() -> None:
    config = UserQuadraticConfig()
    opt, ref_opt = make_optimizer(), make_optimizer()
    sched, ref = build(config, opt), build(config, ref_opt)
    run(sched, opt, 10)
    run(ref, ref_opt, 10)
    for g in opt.param_groups:
        g["lr"] = 123.0
    assert run(sched, opt, 50) == run(ref, ref_opt, 50)


def test_group_ratios_are_preserved() -> None:
    opt = make_optimizer((2.0, 0.5, 0.02))
    sched = build(UserQuadraticConfig(floor=0.05, warmup={"kind": "steps", "value": 10}), opt)
    for lrs in run(sched, opt, 200):
        assert lrs[1] == pytest.approx(lrs[0] * 0.25, rel=1e-12)
        assert lrs[2] == pytest.approx(lrs[0] * 0.01, rel=1e-12)


def test_step_with_epoch_seeks() -> None:
    opt = make_optimizer((1.0,))
    sched = build(UserQuadraticConfig(), opt)
    sched.step(500)
    assert lrs_of(opt) == [user_quadratic_formula(500, 1000)]
    sched.step()
    assert lrs_of(opt) == [user_quadratic_formula(501, 1000)]
    sched.step(3)  # backwards too
    assert lrs_of(opt) == [user_quadratic_formula(3, 1000)]
    assert sched.get_lr() == lrs_of(opt)


def test_step_interval_frequency_is_the_value_at_t_div_f() -> None:
    opt = make_optimizer((1.0,))
    config = UserQuadraticConfig(frequency=3)
    spec = config.create_scheduler(opt, LENGTH)
    assert spec["frequency"] == 1 and spec["interval"] == "step"
    total_units = math.floor(1000 / 3 + 0.5)  # the whole training as fraction 1.0 resolves: 333
    lrs = [lrs_of(opt)[0]] + [r[0] for r in run(spec["scheduler"], opt, 100)]
    assert lrs == [user_quadratic_formula(t // 3, total_units) for t in range(101)]
    assert spec["scheduler"].last_epoch == 100


def test_formula_of_user_multiplier_with_warmup() -> None:
    opt = make_optimizer((1.0,))
    sched = build(UserQuadraticConfig(warmup={"kind": "steps", "value": 100}), opt)
    lrs = [lrs_of(opt)[0]] + [r[0] for r in run(sched, opt, 300)]
    # W = 100, the schedule then sees a training of 1000 - 100 steps.
    expected = [t / 100 if t < 100 else user_quadratic_formula(t - 100, 900) for t in range(301)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------------- the runtime itself


def _plan(opt: torch.optim.Optimizer, targets: list[Target]) -> Plan:
    names = [g.get("name") for g in opt.param_groups]
    return Plan(UserQuadraticConfig(), LENGTH, names, "step", 1, 1, targets)


def test_runtime_none_keeps_base_lr_and_undriven_groups_are_left_untouched() -> None:
    opt = make_optimizer((1.0, 0.5, 0.25))
    curve = F.LRCurve(F.linear(1.0, 0.0, 10))
    # group 1: held at its base LR; group 2: not driven (another scheduler's)
    sched = ClosedFormLRScheduler(opt, _plan(opt, [Target(0, "lr", curve), Target(1, "lr", None)]))
    assert lrs_of(opt) == [1.0, 0.5, 0.25]
    opt.param_groups[2]["lr"] = 7.0  # e.g. another scheduler reduced it
    opt.param_groups[1]["lr"] = 9.0  # a manual edit: a held group is reset to its base
    run(sched, opt, 4)
    assert lrs_of(opt) == [0.6, 0.5, 7.0]  # 1 - 4 / 10
    assert sched.get_last_lr() == [0.6, 0.5, 7.0]
    assert sched.get_lr() == [0.6, 0.5, 7.0]


def test_runtime_argument_errors() -> None:
    opt = make_optimizer()
    plan = Plan(UserQuadraticConfig(), LENGTH, [None], "step", 1, 1, [])
    with pytest.raises(ValueError, match="the plan has 1 param groups, the optimizer 3"):
        ClosedFormLRScheduler(opt, plan)
    sched = ClosedFormLRScheduler(opt, _plan(opt, []))
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="step_to: the step must be a whole number >= 0"):
            sched.step_to(bad)  # type: ignore[arg-type]


def test_runtime_offsets_and_momentum() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0, momentum=0.9)
    momentum = F.LRCurve(F.constant(0.0), F.constant(0.8))
    curve = F.LRCurve(
        F.linear(1.0, 0.0, 4), F.linear(0.0, 0.1, 4), momentum, ref_offset=F.constant(0.01)
    )
    targets = [Target(0, "lr", curve, ratio=2.0), Target(0, "momentum", momentum)]
    sched = ClosedFormLRScheduler(opt, _plan(opt, targets))
    run(sched, opt, 2)
    # base * scale + offset + ratio * ref_offset = 1 * 0.5 + 0.05 + 2 * 0.01
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 + 0.05 + 0.02, rel=1e-12)
    assert opt.param_groups[0]["momentum"] == 0.8


# ---------------------------------------------------------------------- Lightning's dict


def test_create_scheduler_keys_are_lightnings() -> None:
    from lightning.pytorch.utilities.types import LRSchedulerConfig

    assert {f.name for f in dataclasses.fields(LRSchedulerConfig)} == LIGHTNING_KEYS
    spec = UserQuadraticConfig().create_scheduler(make_optimizer(), LENGTH)
    assert set(spec) == {"scheduler", "interval", "frequency"}
    assert set(spec) <= LIGHTNING_KEYS
    assert spec["interval"] == "step" and spec["frequency"] == 1
    assert isinstance(spec["scheduler"], ClosedFormLRScheduler)
    spec = UserStepLRConfig(monitor="val_loss").create_scheduler(make_optimizer(), LENGTH)
    assert set(spec) == {"scheduler", "interval", "frequency", "monitor"}
    assert UserQuadraticConfig().create_schedulers(make_optimizer(), LENGTH)[0].keys() == {
        "scheduler",
        "interval",
        "frequency",
    }


def test_interval_frequency_monitor_overrides() -> None:
    config = UserQuadraticConfig(interval="epoch", frequency=2, monitor="val/loss")
    assert config.resolved_metadata() == {
        "interval": "epoch",
        "frequency": 2,
        "monitor": "val/loss",
    }
    assert UserQuadraticConfig().resolved_metadata() == {"interval": "step"}
    spec = config.create_scheduler(make_optimizer(), LENGTH)
    assert (spec["interval"], spec["frequency"], spec["monitor"]) == ("epoch", 2, "val/loss")
    # Epoch interval with frequency 2: one scheduler step = 2 epochs = 20 optimizer steps.
    assert config.steps_per_unit(LENGTH) == 20
    assert config.total_units(LENGTH) == 50
    spec = UserStepLRConfig(interval="step").create_scheduler(make_optimizer(), LENGTH)
    assert spec["interval"] == "step"


@pytest.mark.parametrize("bad", ["batch", "Step", "epochs", ""])
def test_invalid_interval_fails_validation(bad: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=r"(?s)interval.*'step' or 'epoch'"):
        UserQuadraticConfig(interval=bad)  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError, match="interval"):
        S.lr_scheduler_registry.construct({"name": "test_user_step_lr", "interval": bad})


def test_invalid_frequency_fails_validation() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"(?s)frequency.*greater than 0"):
        UserQuadraticConfig(frequency=0)


def test_custom_scheduler_with_step_frequency_is_wrapped() -> None:
    opt = make_optimizer((1.0,))
    config = UserStepLRConfig(interval="step", frequency=3, step_size=1, gamma=0.5)
    spec = config.create_scheduler(opt, LENGTH)
    assert isinstance(spec["scheduler"], EveryNScheduler)
    assert spec["frequency"] == 1 and spec["interval"] == "step"
    lrs = [r[0] for r in run(spec["scheduler"], opt, 9)]
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    state = spec["scheduler"].state_dict()
    opt2 = make_optimizer((1.0,))
    spec2 = config.create_scheduler(opt2, LENGTH)
    opt2.load_state_dict(opt.state_dict())  # torch's StepLR is recursive: restore both
    spec2["scheduler"].load_state_dict(state)
    assert [r[0] for r in run(spec2["scheduler"], opt2, 3)] == [0.125, 0.125, 0.0625]
    with pytest.raises(ValueError, match="does not take an epoch"):
        spec["scheduler"].step(4)


def test_custom_scheduler_epoch_frequency_goes_to_lightning() -> None:
    spec = UserStepLRConfig(frequency=3).create_scheduler(make_optimizer(), LENGTH)
    assert isinstance(spec["scheduler"], torch.optim.lr_scheduler.StepLR)
    assert (spec["interval"], spec["frequency"]) == ("epoch", 3)


def test_create_scheduler_needs_a_length_or_a_module() -> None:
    with pytest.raises(TypeError, match="expected a TrainingLength or a LightningModule"):
        UserQuadraticConfig().create_scheduler(make_optimizer(), 1000)


def test_closed_form_base_needs_multiplier_or_schedule() -> None:
    class Empty(S.ClosedFormLRSchedulerConfigBase):
        name: Literal["test_empty"] = "test_empty"

    with pytest.raises(NotImplementedError, match="must implement multiplier"):
        Empty().create_scheduler(make_optimizer(), LENGTH)


# ---------------------------------------------------------------------- user multiplier gets it all


def test_user_multiplier_gets_warmup_sequential_and_preview() -> None:
    config = S.SequentialSchedulerConfig(
        phases=[
            {
                "schedule": {
                    "name": "test_user_quadratic",
                    "warmup": {"kind": "steps", "value": 4},
                },
                "duration": 20,
            },
            {"schedule": {"name": "TestUserQuadratic", "floor": 0.5}},
        ]
    )
    length = S.TrainingLength(steps_per_epoch=5, total_steps=50)
    preview = S.preview(config, length, [2.0])[:, 0]
    expected = [
        2.0 * (t / 4 if t < 4 else user_quadratic_formula(t - 4, 16))
        if t < 20
        else 2.0 * user_quadratic_formula(t - 20, 30, 0.5)
        for t in range(51)
    ]
    np.testing.assert_allclose(preview, expected, rtol=1e-14, atol=1e-15)
    opt = make_optimizer((2.0,))
    sched = build(config, opt, length)
    stepped = [lrs_of(opt)[0]] + [r[0] for r in run(sched, opt, 50)]
    np.testing.assert_allclose(stepped, preview, rtol=1e-14, atol=1e-15)
