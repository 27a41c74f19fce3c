"""ParamGroupConfig / OptimizationConfig: globbing, errors, no_weight_decay, per-group
schedules (the ReGNN scenario), build() for plain loops."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import nshsched as S
from _helpers.resume import resume
from _helpers.stepping import build_stepped

torch = pytest.importorskip("torch")


class Net(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
        self.head = torch.nn.Linear(4, 2)


def opt_config(**kwargs: Any) -> S.OptimizationConfig:
    data: dict[str, Any] = {"optimizer": {"name": "adamw", "lr": 0.01, "weight_decay": 0.1}}
    return S.OptimizationConfig.model_validate(data | kwargs)


def groups_of(config: S.OptimizationConfig, module: Any = None) -> dict[str, Any]:
    module = module or Net()
    names = {id(p): n for n, p in module.named_parameters()}
    return {
        g["name"]: (sorted(names[id(p)] for p in g["params"]), g.get("lr"), g.get("weight_decay"))
        for g in config.torch_param_groups(module)
    }


# ---------------------------------------------------------------- groups


def test_globs_select_groups_and_the_rest_is_default() -> None:
    config = opt_config(
        param_groups=[
            {"name": "enc", "params": ["encoder.*"], "lr": 0.001},
            {"name": "head_w", "params": ["head.w*"], "lr_scale": 3.0, "weight_decay": 0.5},
        ]
    )
    assert groups_of(config) == {
        "enc": (
            ["encoder.0.bias", "encoder.0.weight", "encoder.1.bias", "encoder.1.weight"],
            0.001,
            None,
        ),
        "head_w": (["head.weight"], 0.03, 0.5),
        "default": (["head.bias"], None, None),
    }
    optimizer, scheduler = config.build(Net(), S.TrainingLength(steps_per_epoch=1, total_steps=1))
    assert scheduler is None
    assert [(g["name"], g["lr"], g["weight_decay"]) for g in optimizer.param_groups] == [
        ("enc", 0.001, 0.1),
        ("head_w", 0.03, 0.5),
        ("default", 0.01, 0.1),
    ]


def test_no_weight_decay_moves_1d_params_to_siblings() -> None:
    config = opt_config(
        param_groups=[{"name": "enc", "params": ["encoder.*"], "lr": 0.001}], no_weight_decay=True
    )
    assert groups_of(config) == {
        "enc": (["encoder.0.weight"], 0.001, None),
        "enc_no_decay": (["encoder.0.bias", "encoder.1.bias", "encoder.1.weight"], 0.001, 0.0),
        "default": (["head.weight"], None, None),
        "default_no_decay": (["head.bias"], None, 0.0),
    }


def test_frozen_params_are_left_out_and_empty_groups_not_created() -> None:
    net = Net()
    net.encoder.requires_grad_(False)
    config = opt_config(param_groups=[{"name": "enc", "params": ["encoder.*"]}])
    assert groups_of(config, net) == {"default": (["head.bias", "head.weight"], None, None)}


def test_pattern_matching_nothing_is_an_error() -> None:
    config = opt_config(param_groups=[{"name": "enc", "params": ["encodr.*"]}])
    with pytest.raises(
        ValueError, match=r"'enc': pattern 'encodr\.\*' matches no parameter.*encoder\.0\.weight"
    ):
        config.torch_param_groups(Net())


def test_parameter_in_two_groups_is_an_error() -> None:
    config = opt_config(
        param_groups=[
            {"name": "enc", "params": ["encoder.*"]},
            {"name": "biases", "params": ["*.bias"]},
        ]
    )
    with pytest.raises(
        ValueError, match=r"'encoder\.0\.bias' is matched by param groups 'enc' and 'biases'"
    ):
        config.torch_param_groups(Net())


def test_validation_errors() -> None:
    with pytest.raises(
        ValidationError, match=r"set lr or lr_scale, not both \(lr=0\.1, lr_scale=2\.0\)"
    ):
        S.ParamGroupConfig(name="a", params=["x"], lr=0.1, lr_scale=2.0)
    with pytest.raises(ValidationError, match="'default' is reserved"):
        S.ParamGroupConfig(name="default", params=["x"])
    with pytest.raises(ValidationError, match="at least 1 item"):
        S.ParamGroupConfig(name="a", params=[])
    with pytest.raises(ValidationError, match="'a' is used by more than one group"):
        opt_config(param_groups=[{"name": "a", "params": ["x"]}, {"name": "a", "params": ["y"]}])
    with pytest.raises(ValidationError, match=r"\['a_no_decay'\] clash"):
        opt_config(
            param_groups=[{"name": "a", "params": ["x"]}, {"name": "a_no_decay", "params": ["y"]}],
            no_weight_decay=True,
        )
    with pytest.raises(ValidationError, match=r"\['default_no_decay'\] clash"):
        opt_config(
            param_groups=[{"name": "default_no_decay", "params": ["x"]}], no_weight_decay=True
        )
    with pytest.raises(ValidationError, match="'rprop' has no weight_decay"):
        S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "rprop", "lr": 0.01}, "no_weight_decay": True}
        )
    with pytest.raises(ValidationError, match="weight_decy"):
        S.ParamGroupConfig.model_validate({"name": "a", "params": ["x"], "weight_decy": 0.1})
    # Without no_weight_decay a name ending in _no_decay is fine.
    opt_config(
        param_groups=[{"name": "a", "params": ["x"]}, {"name": "a_no_decay", "params": ["y"]}]
    )


def test_scheduler_inherit_is_the_serialised_default_and_round_trips() -> None:
    config = opt_config(
        scheduler={"name": "StepLR", "step_size": 2},
        param_groups=[
            {"name": "a", "params": ["encoder.*"]},
            {"name": "b", "params": ["head.weight"], "scheduler": None},
            {
                "name": "c",
                "params": ["head.bias"],
                "scheduler": {"name": "exponential_lr", "gamma": 0.9},
            },
        ],
    )
    dumped = config.model_dump()
    assert [g["scheduler"] for g in dumped["param_groups"]][:2] == ["inherit", None]
    assert dumped["param_groups"][2]["scheduler"]["name"] == "exponential_lr"
    assert dumped["scheduler"]["name"] == "step_lr"
    assert S.OptimizationConfig.model_validate(dumped) == config
    assert S.OptimizationConfig.model_validate_json(config.model_dump_json()) == config
    with pytest.raises(ValidationError):
        S.ParamGroupConfig.model_validate({"name": "a", "params": ["x"], "scheduler": "inherrit"})


@settings(max_examples=50, deadline=None)
@given(
    lr=st.floats(1e-5, 1.0),
    scales=st.lists(st.floats(0.0, 10.0) | st.none(), min_size=2, max_size=2),
)
def test_group_lr_is_lr_or_optimizer_lr_times_scale(lr: float, scales: list[float | None]) -> None:
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": lr},
            "param_groups": [
                {"name": "enc", "params": ["encoder.*"], "lr_scale": scales[0]},
                {"name": "head", "params": ["head.*"], "lr": scales[1]},
            ],
        }
    )
    optimizer, _ = config.build(Net(), S.TrainingLength(steps_per_epoch=1, total_steps=1))
    lrs = {g["name"]: g["lr"] for g in optimizer.param_groups}
    assert lrs["enc"] == (lr if scales[0] is None else lr * scales[0])
    assert lrs["head"] == (lr if scales[1] is None else scales[1])


# ---------------------------------------------------------------- per-group schedules


class ReGNN(torch.nn.Module):  # type: ignore[misc]
    """The reference's two groups: the index-prediction network and the regression weights."""

    def __init__(self) -> None:
        super().__init__()
        self.index_prediction_model = torch.nn.Linear(3, 2)
        self.mmr = torch.nn.Linear(2, 1)


def regnn_config(nn: Any = "inherit", regression: Any = "inherit", global_: Any = None) -> Any:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 0.001},
            "scheduler": global_,
            "param_groups": [
                {
                    "name": "nn",
                    "params": ["index_prediction_model.*"],
                    "lr": 0.001,
                    "weight_decay": 0.02,
                    "scheduler": nn,
                },
                {
                    "name": "regression",
                    "params": ["mmr.*"],
                    "lr": 0.02,
                    "weight_decay": 0.0,
                    "scheduler": regression,
                },
            ],
        }
    )


STEP = {"name": "step_lr", "step_size": 10, "gamma": 0.5}
COSINE = {"name": "cosine_annealing_lr", "T_max": 20, "eta_min": 1e-6}


def run_plain_loop(config: Any, length: S.TrainingLength) -> np.ndarray:
    """A plain PyTorch loop: scheduler.step() after every optimizer.step()."""
    return build_stepped(config, ReGNN(), length)


def torch_reference(classes: list[Any], length: S.TrainingLength, lrs: list[float]) -> np.ndarray:
    """Each group driven by its own torch scheduler, stepped once per epoch."""
    steppers = []
    for make, lr in zip(classes, lrs):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
        steppers.append((opt, make(opt) if make else None))
    out = []
    for t in range(length.total_steps + 1):
        out.append([opt.param_groups[0]["lr"] for opt, _ in steppers])
        if (t + 1) % length.steps_per_epoch == 0:
            for opt, sched in steppers:
                opt.step()
                if sched is not None:
                    sched.step()
    return np.array(out)


LENGTH = S.TrainingLength(steps_per_epoch=3, total_steps=3 * 30)


def test_regnn_global_step_lr_with_cosine_override_for_nn() -> None:
    config = regnn_config(nn=COSINE, global_=STEP)
    with pytest.warns(UserWarning, match=r"\['nn'\] set their own scheduler") as record:
        lrs = run_plain_loop(config, LENGTH)
        run_plain_loop(config, LENGTH)
    assert sum("set their own scheduler" in str(w.message) for w in record) == 1  # once
    expected = torch_reference(
        [
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=1e-6),
            lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5),
        ],
        LENGTH,
        [0.001, 0.02],
    )
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-18)
    # Formulas: e = t // 3 is the epoch.
    for t in (0, 7, 31, 60, 89):
        e = t // 3
        cos = 1e-6 + (0.001 - 1e-6) * (1 + math.cos(math.pi * e / 20)) / 2
        assert lrs[t, 1] == pytest.approx(0.02 * 0.5 ** (e // 10), rel=1e-12)
        if e <= 20:
            assert lrs[t, 0] == pytest.approx(cos, rel=1e-9)
    # preview of the compiled per_group config gives the same table.
    compiled = config.group_scheduler(["nn", "regression"])
    assert isinstance(compiled, S.PerGroupSchedulerConfig)
    np.testing.assert_allclose(
        S.preview(compiled, LENGTH, {"nn": 0.001, "regression": 0.02}), lrs, rtol=1e-12
    )


def test_regnn_constant_group_and_global_only() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no global scheduler: no warning
        lrs = run_plain_loop(
            regnn_config(nn={"name": "exponential_lr", "gamma": 0.95}, regression=None), LENGTH
        )
    assert (lrs[:, 1] == 0.02).all()
    np.testing.assert_allclose(lrs[:, 0], 0.001 * 0.95 ** (np.arange(91) // 3), rtol=1e-12)
    # Global only (backward compatible): one scheduler, both groups decay together.
    config = regnn_config(global_=STEP)
    assert config.group_scheduler(["nn", "regression"]) is config.scheduler
    lrs = run_plain_loop(config, LENGTH)
    np.testing.assert_allclose(lrs[:, 0] / 0.001, lrs[:, 1] / 0.02, rtol=1e-12)
    assert lrs[-1, 1] == pytest.approx(0.02 * 0.5**3)
    # Every group constant: no scheduler at all.
    _, scheduler = regnn_config(nn=None, regression=None).build(ReGNN(), LENGTH)
    assert scheduler is None


def test_no_decay_siblings_follow_their_group_schedule() -> None:
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.01},
            "param_groups": [
                {"name": "nn", "params": ["index_prediction_model.*"], "scheduler": STEP}
            ],
            "no_weight_decay": True,
        }
    )
    optimizer, _ = config.build(ReGNN(), LENGTH)
    assert [g["name"] for g in optimizer.param_groups] == [
        "nn",
        "nn_no_decay",
        "default",
        "default_no_decay",
    ]
    lrs = run_plain_loop(config, LENGTH)
    np.testing.assert_array_equal(lrs[:, 0], lrs[:, 1])
    assert lrs[-1, 0] == pytest.approx(0.1 * 0.5**3)
    assert (lrs[:, 2:] == 0.1).all()


def test_a_global_per_group_next_to_a_groups_own_scheduler() -> None:
    # new in issue 18 (§5: the group's own schedule wins): was "per_group cannot be nested"
    length = S.TrainingLength(steps_per_epoch=2, total_steps=4)
    config = opt_config(
        scheduler={
            "name": "per_group",
            "default": {"name": "linear"},
            "groups": {"enc": {"name": "cosine"}, "head": {"name": "linear"}},
        },
        param_groups=[
            {"name": "enc", "params": ["encoder.*"], "scheduler": None},
            {"name": "head", "params": ["head.*"]},
        ],
        no_weight_decay=True,
    )
    with pytest.warns(UserWarning, match=r"\['enc'\] set their own scheduler"):
        optimizer, _ = config.build(Net(), length)
    names = [g["name"] for g in optimizer.param_groups]
    assert names == ["enc", "enc_no_decay", "head", "head_no_decay"]
    lrs = S.preview(config, length, model=Net())
    t = np.arange(5)
    linear = 0.01 * (1 - t / 4)
    np.testing.assert_allclose(lrs[:, 0], 0.01)  # the group's own None wins over per_group's
    np.testing.assert_allclose(lrs[:, 1], 0.01)  # and reaches its no-decay sibling
    np.testing.assert_allclose(lrs[:, 2], linear, atol=1e-18)  # per_group's entry for head
    np.testing.assert_allclose(lrs[:, 3], linear, atol=1e-18)  # ... and head_no_decay
    np.testing.assert_allclose(build_stepped(config, Net(), length), lrs, atol=1e-18)


def test_a_per_group_entry_drives_the_groups_no_decay_sibling() -> None:
    # issue 18 item 3 (per_group): per_group.groups["<group>"] drives <group>_no_decay too
    config = opt_config(
        scheduler={"name": "per_group", "groups": {"enc": {"name": "linear"}}},
        param_groups=[{"name": "enc", "params": ["encoder.*"]}],
        no_weight_decay=True,
    )
    length = S.TrainingLength(steps_per_epoch=2, total_steps=4)
    lrs = S.preview(config, length, model=Net())
    linear = 0.01 * (1 - np.arange(5) / 4)
    np.testing.assert_allclose(lrs[:, :2], np.stack([linear, linear], 1), atol=1e-18)
    np.testing.assert_allclose(lrs[:, 2:], 0.01)  # default, default_no_decay: constant
    # a listed name that matches no group is still an error at creation
    typo = opt_config(scheduler={"name": "per_group", "groups": {"encc": {"name": "linear"}}})
    with pytest.raises(ValueError, match=r"groups \['encc'\] match no param group"):
        typo.build(Net(), length)


def test_build_resume_is_exact_per_group() -> None:
    config = regnn_config(nn=COSINE, regression=STEP)
    full = run_plain_loop(config, LENGTH)
    r = resume(lambda: config.build(ReGNN(), LENGTH), 40, 20)
    np.testing.assert_array_equal(np.array(r.resumed), full[40:61])


def test_build_with_a_plateau_group_is_one_scheduler() -> None:
    # one plateau group next to a closed-form one: the plateau scheduler carries the step_lr
    # group as its companion, moved at every optimizer step
    config = regnn_config(
        nn={"name": "reduce_lr_on_plateau", "monitor": "val_loss"}, regression=STEP
    )
    optimizer, scheduler = config.build(ReGNN(), LENGTH)
    assert type(scheduler).__name__ == "PlateauScheduler"
    assert scheduler.group_indices == [0]
    for _ in range(10 * 3):  # step_lr's 10 epochs of 3 optimizer steps
        optimizer.step()
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.001, 0.01], rel=1e-12)


def test_build_with_two_plateau_groups_points_to_lightning() -> None:
    config = regnn_config(
        nn={"name": "reduce_lr_on_plateau", "monitor": "val_loss"},
        regression={"name": "reduce_lr_on_plateau", "monitor": "train_loss"},
    )
    with pytest.raises(ValueError, match=r"2 plateau schedules.*configure_optimizers"):
        config.build(ReGNN(), LENGTH)


@pytest.mark.parametrize("sibling_last", [True, False])
def test_a_group_named_like_a_sibling_follows_the_later_configured_group(
    sibling_last: bool,
) -> None:
    # torch group "a_no_decay" belongs to the group named so, and is the _no_decay
    # sibling of "a": of the two, the one configured later gives its schedule
    own = {"name": "a_no_decay", "params": ["1.*"], "scheduler": {"name": "linear"}}
    first = {"name": "a", "params": ["0.*"], "scheduler": {"name": "cosine"}}
    groups = [first, own] if sibling_last else [own, first]
    config = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 0.1}, "param_groups": groups}
    )
    schedule = config.group_scheduler(["a", "a_no_decay", "default"])
    assert isinstance(schedule, S.PerGroupSchedulerConfig)
    assert schedule.groups["a"].name == "cosine"
    assert schedule.groups["a_no_decay"].name == ("linear" if sibling_last else "cosine")
    assert list(schedule.groups) == [g["name"] for g in groups]  # in configured order


def test_the_override_warning_names_at_most_ten_groups() -> None:
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {"name": "cosine"},
            "param_groups": [
                {"name": f"g{i}", "params": [f"{i}.*"], "scheduler": None} for i in range(12)
            ],
        }
    )
    with pytest.warns(UserWarning) as record:
        config.group_scheduler([f"g{i}" for i in range(12)] + ["default"])
    (message,) = [str(w.message) for w in record]
    assert message.startswith(
        "param group(s) ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8', 'g9', "
        "... (12 groups)] set their own scheduler"
    )
