"""Scheduled hyperparameters (API §9): weight decay, momentum, betas on the LR's runtime."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from pydantic import ValidationError

import nshsched as S
from _helpers.resume import resume
from _helpers.stepping import stepped_rows

RTOL = 1e-12
LENGTH = S.TrainingLength(steps_per_epoch=5, total_steps=10)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))


def _dino(**extra) -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.04},
            "scheduler": {"name": "cosine"},
            "param_groups": [{"name": "head", "params": ["1.*"], "weight_decay": 0.08}],
            "no_weight_decay": True,
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "cosine"}, "start": 0.04, "end": 0.4}
            },
            **extra,
        }
    )


def _values(key: str) -> Callable[[torch.optim.Optimizer], list[float]]:
    """Every param group's value of ``key`` (``betas.1``: the second beta)."""
    from nshsched.runtime.hyper import key_value

    return lambda opt: [float(key_value(g, key)) for g in opt.param_groups]


def _stepped(opt, sched, key: str, n: int) -> np.ndarray:
    return np.array(stepped_rows(opt, sched, n, record=_values(key)))


def test_dino_weight_decay_table_and_formula() -> None:
    cfg = _dino()
    opt, sched = cfg.build(_model(), LENGTH)
    names = [g["name"] for g in opt.param_groups]
    assert names == ["head", "head_no_decay", "default", "default_no_decay"]
    got = _stepped(opt, sched, "weight_decay", 10)
    # v(t) = configured / 0.04 * (0.4 + (0.04 - 0.4) * m(t)), m(t) = (1 + cos(pi t / 10)) / 2
    m = (1 + np.cos(np.pi * np.arange(11) / 10)) / 2
    default = 0.4 + (0.04 - 0.4) * m
    want = np.stack([2 * default, 0 * m, default, 0 * m], axis=1)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-15)
    # the table: the default group at steps 0, 5, 10
    np.testing.assert_allclose(got[[0, 5, 10], 2], [0.04, 0.22, 0.4], rtol=RTOL)
    # the same scheduler keeps driving the LR
    np.testing.assert_allclose(opt.param_groups[2]["lr"], 0.0, atol=1e-15)  # cosine to 0 at the end
    np.testing.assert_allclose(S.preview(cfg, LENGTH, model=_model(), key="weight_decay"), want)


def test_relative_schedule_multiplies_each_group() -> None:
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "param_groups": [{"name": "head", "params": ["1.*"]}],
            "hyperparameters": {
                "momentum": {
                    "schedule": {"name": "linear", "warmup": {"kind": "steps", "value": 2}}
                }
            },
        }
    )
    opt, sched = cfg.build(_model(), LENGTH)
    got = _stepped(opt, sched, "momentum", 10)
    # warmup 2 steps from 0 to 1, then linear from 1 to 0 over the remaining 8: 0.9 * m(t)
    m = np.array([0, 0.5] + [1 - (t - 2) / 8 for t in range(2, 11)])
    np.testing.assert_allclose(got, np.stack([0.9 * m, 0.9 * m], axis=1), rtol=RTOL, atol=1e-15)
    # the LR stays constant (no scheduler configured: a constant one writes it)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.1]


def test_tuple_element_and_offset_read_as_factor() -> None:
    # cosine_annealing_lr with eta_min=0.5 read for a base of 1: m(t) = 0.5 + 0.5 (1 + cos(pi t / T)) / 2
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adam", "lr": 1e-3, "betas": [0.9, 0.98]},
            "hyperparameters": {
                "betas.1": {
                    "schedule": {
                        "name": "cosine_annealing_lr",
                        "T_max": 10,
                        "eta_min": 0.5,
                        "interval": "step",
                    }
                }
            },
        }
    )
    opt, sched = cfg.build(_model(), LENGTH)
    got = _stepped(opt, sched, "betas.1", 10)[:, 0]
    t = np.arange(11)
    np.testing.assert_allclose(
        got, 0.98 * (0.5 + 0.5 * (1 + np.cos(np.pi * t / 10)) / 2), rtol=RTOL
    )
    assert opt.param_groups[0]["betas"][0] == 0.9
    np.testing.assert_allclose(S.preview(cfg, LENGTH, key="betas.1")[:, 0], got, rtol=RTOL)


def test_interval_and_frequency_counted_in_optimizer_steps() -> None:
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.1},
            "hyperparameters": {
                "weight_decay": {
                    "schedule": {"name": "step_lr", "step_size": 1, "gamma": 0.5},
                    "start": 0.1,
                    "end": 0.0,
                }
            },
        }
    )
    opt, sched = cfg.build(_model(), LENGTH)
    got = _stepped(opt, sched, "weight_decay", 10)[:, 0]
    # interval epoch (5 steps): m = 0.5 ** (t // 5); v = 0 + 0.1 m
    np.testing.assert_allclose(got, [0.1 * 0.5 ** (t // 5) for t in range(11)], rtol=RTOL)


@pytest.mark.parametrize(
    ("hyper", "interval"),
    [
        ({"name": "linear"}, "step"),  # changes every optimizer step
        ({"name": "step_lr", "step_size": 1, "warmup": {"kind": "steps", "value": 2}}, "step"),
        ({"name": "step_lr", "step_size": 1, "frequency": 2}, "epoch"),  # every 2 epochs
        ({"name": "step_lr", "step_size": 1}, "epoch"),  # the LR's rhythm: stays per epoch
    ],
)
def test_one_scheduler_steps_as_often_as_its_finest_target(hyper: dict, interval: str) -> None:
    # new in issue 18 (§7, §9): an epoch LR beside a per-step weight decay was one dict with
    # interval 'epoch', so Lightning changed the weight decay at epoch ends only
    from _helpers.stepping import stepped_as_lightning

    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.1},
            "scheduler": {"name": "cosine_annealing_lr", "T_max": 2},  # interval: epoch
            "hyperparameters": {"weight_decay": {"schedule": hyper}},
        }
    )
    opt = cfg.create_optimizer(_model())
    (spec,) = cfg.scheduler_dicts(opt, LENGTH)
    assert (spec["interval"], spec["frequency"]) == (interval, 1)
    for key in ("lr", "weight_decay"):
        got = stepped_as_lightning(opt, spec, LENGTH, record=_values(key))
        np.testing.assert_allclose(got, S.preview(cfg, LENGTH, model=_model(), key=key), rtol=RTOL)
        opt = cfg.create_optimizer(_model())
        (spec,) = cfg.scheduler_dicts(opt, LENGTH)


def test_resume_restores_values_and_checks_fingerprint() -> None:
    cfg = _dino()
    r = resume(lambda: cfg.build(_model(), LENGTH), 4, 3, record=_values("weight_decay"))
    np.testing.assert_allclose(r.resumed, r.uninterrupted, rtol=RTOL)
    state = r.state
    edited = _dino()
    edited.hyperparameters["weight_decay"] = S.HyperparameterScheduleConfig(
        schedule={"name": "cosine"}, start=0.04, end=0.2
    )
    _opt3, sched3 = edited.build(_model(), LENGTH)
    with pytest.raises(ValueError, match=r"hyperparameters\.weight_decay\.end: 0\.4 -> 0\.2"):
        sched3.load_state_dict(state)


def test_step_zero_written_at_build() -> None:
    opt, _ = _dino().build(_model(), LENGTH)
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.08, rel=RTOL)


def test_errors_name_the_field() -> None:
    with pytest.raises(ValidationError, match="the key 'lr' is scheduled by `scheduler`"):
        _dino(hyperparameters={"lr": {"schedule": {"name": "cosine"}}})
    with pytest.raises(ValidationError, match="set both start and end"):
        S.HyperparameterScheduleConfig(schedule={"name": "cosine"}, start=0.1)
    for tag in ("reduce_lr_on_plateau", "step_decay"):
        schedule = (
            {"name": tag, "monitor": "loss", "patience": 1, "factor": 0.5}
            if tag == "reduce_lr_on_plateau"
            else {"name": tag, "intervals": [{"start": 0, "end": 5, "lr": 0.1}]}
        )
        with pytest.raises(ValidationError, match=f"schedule: '{tag}' cannot schedule"):
            S.HyperparameterScheduleConfig(schedule=schedule)
    bad_key = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adam", "lr": 1e-3},
            "hyperparameters": {"momentum": {"schedule": {"name": "cosine"}}},
        }
    )
    with pytest.raises(
        ValueError,
        match=r"hyperparameters\.momentum: .*the keys there are \[.*'betas\.0', 'betas\.1'",
    ):
        bad_key.build(_model(), LENGTH)
    bad_index = bad_key.model_copy(
        update={
            "hyperparameters": {
                "betas.2": S.HyperparameterScheduleConfig(schedule={"name": "cosine"})
            }
        }
    )
    with pytest.raises(ValueError, match=r"hyperparameters\.betas\.2: .*the keys there are"):
        bad_index.build(_model(), LENGTH)
    zero = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "cosine"}, "start": 0.1, "end": 0.0}
            },
        }
    )
    with pytest.raises(ValueError, match=r"hyperparameters\.weight_decay: start/end .* 0\.0"):
        zero.build(_model(), LENGTH)
    with pytest.raises(ValueError, match=r"hyperparameters\.weight_decay: start/end"):
        S.preview(zero, LENGTH, key="weight_decay")


def test_one_write_per_group_per_key_on_the_lane_path() -> None:
    """LR and weight decay on plain floats take the lane path: one multiplier per curve."""
    _opt, sched = _dino().build(_model(), LENGTH)
    assert sched._laned
    assert {(key, len(members)) for _, key, members in sched._lanes} == {
        ("lr", 4),
        ("weight_decay", 4),
    }


def test_lightning_monitor_logs_momentum_and_weight_decay(tmp_path) -> None:
    lightning = pytest.importorskip("lightning")
    from _helpers.lightning import loader, logged_rows, monitored_trainer, quiet_fit

    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
            "scheduler": {"name": "cosine"},
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "linear"}, "start": 0.01, "end": 0.1},
                "momentum": {"schedule": {"name": "cosine"}, "start": 0.9, "end": 1.0},
            },
        }
    )

    class Module(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch, _):
            return self.net(batch[0]).pow(2).mean()

        def configure_optimizers(self):
            return cfg.configure_optimizers(self)

    data = loader(torch.randn(16, 3))
    module = Module()
    quiet_fit(monitored_trainer(tmp_path, momentum=True, max_epochs=2), module, data)
    length = S.TrainingLength(steps_per_epoch=8, total_steps=16)
    rows = logged_rows(tmp_path)
    for key, column in (
        ("weight_decay", "lr-SGD/default-weight_decay"),
        ("momentum", "lr-SGD/default-momentum"),
        ("lr", "lr-SGD/default"),
    ):
        logged = {int(r["step"]): float(r[column]) for r in rows if r.get(column)}
        assert sorted(logged) == list(range(16)), column
        want = S.preview(cfg, length, model=module, key=key)[:-1, 0]
        np.testing.assert_allclose([logged[t] for t in range(16)], want, rtol=1e-6)
    # momentum: 1 + (0.9 - 1) (1 + cos(pi t / 16)) / 2 at t = 8 is 0.95
    assert S.preview(cfg, length, key="momentum")[8, 0] == pytest.approx(0.95, rel=RTOL)
    assert math.isclose(S.preview(cfg, length, key="weight_decay")[8, 0], 0.055, rel_tol=RTOL)


def test_plateau_lr_with_scheduled_weight_decay() -> None:
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.1},
            "scheduler": {
                "name": "reduce_lr_on_plateau",
                "monitor": "loss",
                "patience": 0,
                "factor": 0.5,
            },
            "hyperparameters": {"weight_decay": {"schedule": {"name": "linear"}}},
        }
    )
    opt = cfg.create_optimizer(_model())
    specs = cfg.scheduler_dicts(opt, LENGTH)
    # one dict: the plateau's, whose companion writes the weight decay at every optimizer step
    assert [type(s["scheduler"]).__name__ for s in specs] == ["PlateauScheduler"]
    assert specs[0]["interval"] == "epoch"
    assert type(specs[0]["scheduler"].companion).__name__ == "ClosedFormLRScheduler"
    for _ in range(5):
        opt.step()
    # linear over 10 steps: 0.1 * (1 - 5 / 10); the LR is the plateau's, untouched here
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.05, rel=RTOL)
    assert opt.param_groups[0]["lr"] == 0.1


def test_custom_scheduler_refuses_hyperparameters() -> None:
    class Custom(S.LRSchedulerConfigBase):
        name: str = "custom_hp_test"

        def metadata(self):
            return {"interval": "step"}

        def create_scheduler_impl(self, optimizer, length):
            return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)

    cfg = S.OptimizationConfig(
        optimizer=S.SGDConfig(lr=0.1, weight_decay=0.1),
        hyperparameters={"weight_decay": {"schedule": {"name": "linear"}}},
    )
    cfg.__dict__["scheduler"] = Custom()  # a user's scheduler without registering it
    with pytest.raises(ValueError, match="hyperparameters: Custom is a custom scheduler"):
        cfg.build(_model(), LENGTH)
    with pytest.raises(ValueError, match="key='weight_decay' cannot be shown for Custom"):
        S.preview(cfg, LENGTH, key="weight_decay")


def test_cli_preview_key(tmp_path, capsys) -> None:
    from nshsched.cli import main

    (tmp_path / "dino.yaml").write_text(
        "optimizer: {name: adamw, lr: 5.0e-4, weight_decay: 0.04}\n"
        "scheduler: {name: cosine}\n"
        "hyperparameters:\n"
        "  weight_decay: {schedule: {name: cosine}, start: 0.04, end: 0.4}\n"
    )
    out = tmp_path / "wd.csv"
    argv = [str(tmp_path / "dino.yaml"), "--total-steps", "10", "--key", "weight_decay"]
    assert main(["preview", *argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cosine [weight_decay]" in printed
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert rows[0] == ["step", "default"]
    # 0.4 + (0.04 - 0.4) (1 + cos(pi t / 10)) / 2
    want = [0.4 - 0.36 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], want, rtol=RTOL)
    assert main(["preview", *argv[:-1], "momentum"]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'momentum'; the param groups have" in err and "'weight_decay'" in err
    assert main(["preview", "warmup_cosine", "--key", "weight_decay"]) == 1
    assert "--key 'weight_decay' needs an OptimizationConfig" in capsys.readouterr().err


def test_negative_configured_value_may_stay_negative() -> None:
    # Adafactor's beta2_decay is -0.8 by default: a schedule scales it, sign kept
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adafactor", "lr": 1e-2},
            "hyperparameters": {"beta2_decay": {"schedule": {"name": "linear"}}},
        }
    )
    opt, sched = cfg.build(_model(), LENGTH)
    got = _stepped(opt, sched, "beta2_decay", 10)[:, 0]
    np.testing.assert_allclose(got, [-0.8 * (1 - t / 10) for t in range(11)], rtol=RTOL)
    # a value configured >= 0 must stay >= 0: start/end below 0 is refused at build
    neg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.1},
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "linear"}, "start": 0.1, "end": -0.1}
            },
        }
    )
    with pytest.raises(ValueError, match=r"the weight_decay of param group 'default' would be"):
        neg.build(_model(), LENGTH)


def test_per_group_schedule_refused_for_a_hyperparameter() -> None:
    with pytest.raises(ValidationError, match="schedule: 'per_group' cannot schedule"):
        S.HyperparameterScheduleConfig(schedule={"name": "per_group", "groups": {}})


def test_warmup_stable_decay_schedules_a_hyperparameter() -> None:
    # new in issue 18 (§9: any closed-form schedule): WSD's `phases` is a method, not a
    # sequential's phases; it crashed validation with a TypeError
    wsd = {"name": "warmup_stable_decay", "warmup": 2, "decay": 4, "decay_type": "linear"}
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "hyperparameters": {"momentum": {"schedule": wsd}},
        }
    )
    opt, sched = cfg.build(_model(), LENGTH)
    got = _stepped(opt, sched, "momentum", 10)[:, 0]
    # warmup t / 2 over 2 steps, stable 1 for 10 - 2 - 4 = 4 steps, linear decay to 0 over 4
    m = [0.0, 0.5, 1, 1, 1, 1, 1.0, 0.75, 0.5, 0.25, 0.0]
    np.testing.assert_allclose(got, [0.9 * v for v in m], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(S.preview(cfg, LENGTH, key="momentum")[:, 0], got, rtol=RTOL)
    # inside a sequential too; a refused schedule inside a sequential is still refused
    phases = [{"schedule": wsd, "duration": 6}, {"schedule": {"name": "constant"}}]
    S.HyperparameterScheduleConfig(schedule={"name": "sequential", "phases": phases})
    bad = [{"schedule": {"name": "step_decay", "intervals": [{"start": 0, "end": 2, "lr": 1.0}]}}]
    with pytest.raises(ValidationError, match="schedule: 'step_decay' cannot schedule"):
        S.HyperparameterScheduleConfig(schedule={"name": "sequential", "phases": bad})
