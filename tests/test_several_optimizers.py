"""Several optimizers (API §9): ownership by submodule, build, Lightning manual optimization."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from pydantic import ValidationError

import nshsched as S

LENGTH = S.TrainingLength(steps_per_epoch=4, total_steps=8)


def _agent() -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.Module()
    model.encoder = torch.nn.Linear(3, 4)
    model.actor = torch.nn.Linear(4, 2)
    model.critic = torch.nn.Linear(4, 1)
    return model


def _config(schedules: dict | None = None, **entries) -> S.OptimizersConfig:
    schedules = schedules or {}
    optimizers = entries or {
        name: {
            "module": name,
            "optimizer": {"name": "adam", "lr": lr},
            "scheduler": schedules.get(name),
        }
        for name, lr in (("encoder", 1e-3), ("actor", 3e-4), ("critic", 1e-3))
    }
    return S.OptimizersConfig.model_validate({"optimizers": optimizers})


def test_build_owns_parameters_by_submodule() -> None:
    model = _agent()
    built = _config({"actor": {"name": "linear"}}).build(model, LENGTH)
    assert list(built) == ["encoder", "actor", "critic"]
    for key, (opt, _) in built.items():
        owned = {id(p) for g in opt.param_groups for p in g["params"]}
        assert owned == {id(p) for p in getattr(model, key).parameters()}
    opt, sched = built["actor"]
    assert built["encoder"][1] is None
    for _ in range(4):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-4 * (1 - 4 / 8), rel=1e-12)


def test_rest_entry_and_relative_patterns() -> None:
    model = _agent()
    cfg = _config(
        actor={
            "module": "actor",
            "optimizer": {"name": "sgd", "lr": 0.1},
            "param_groups": [{"name": "w", "params": ["weight"]}],
        },
        rest={"optimizer": {"name": "sgd", "lr": 0.01}},
    )
    built = cfg.build(model, LENGTH)
    assert [g["name"] for g in built["actor"][0].param_groups] == ["w", "default"]
    rest = {id(p) for g in built["rest"][0].param_groups for p in g["params"]}
    assert rest == {id(p) for m in (model.encoder, model.critic) for p in m.parameters()}


def test_frozen_parameters_ignored_and_errors() -> None:
    model = _agent()
    for p in model.encoder.parameters():
        p.requires_grad_(False)
    cfg = _config(
        actor={"module": "actor", "optimizer": {"name": "sgd", "lr": 0.1}},
        critic={"module": "critic", "optimizer": {"name": "sgd", "lr": 0.1}},
    )
    assert set(cfg.build(model, LENGTH)) == {"actor", "critic"}
    with pytest.raises(ValueError, match=r"trainable parameter 'encoder\.weight' is owned by no"):
        cfg.build(_agent(), LENGTH)
    twice = _config(
        a={"module": "actor", "optimizer": {"name": "sgd", "lr": 0.1}},
        b={"module": "actor", "optimizer": {"name": "sgd", "lr": 0.1}},
        rest={"optimizer": {"name": "sgd", "lr": 0.1}},
    )
    with pytest.raises(ValueError, match=r"parameter 'actor\.weight' is owned by optimizers 'a'"):
        twice.build(_agent(), LENGTH)
    with pytest.raises(ValidationError, match=r"optimizers \['a', 'b'\] all leave `module` unset"):
        _config(
            a={"optimizer": {"name": "sgd", "lr": 0.1}},
            b={"optimizer": {"name": "sgd", "lr": 0.1}},
        )
    with pytest.raises(ValidationError, match="module: '' is an empty submodule path"):
        _config(a={"module": "", "optimizer": {"name": "sgd", "lr": 0.1}})
    with pytest.raises(ValidationError, match=r"module: 'actor\.\.x' is an empty submodule path"):
        _config(a={"module": "actor..x", "optimizer": {"name": "sgd", "lr": 0.1}})
    bad = _config(a={"module": "policy", "optimizer": {"name": "sgd", "lr": 0.1}})
    with pytest.raises(ValueError, match=r"optimizers\.a\.module: 'policy' is no submodule"):
        bad.build(_agent(), LENGTH)


def test_entry_reads_no_weight_decay_of_its_module() -> None:
    class Critic(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(2, 2))
            self.fc = torch.nn.Linear(2, 1)

        def no_weight_decay(self) -> set[str]:
            return {"scale"}

    model = torch.nn.Module()
    model.critic = Critic()
    model.actor = torch.nn.Linear(2, 2)
    cfg = _config(
        critic={
            "module": "critic",
            "optimizer": {"name": "adamw", "lr": 0.1},
            "no_weight_decay": True,
        },
        rest={"optimizer": {"name": "adamw", "lr": 0.1}},
    )
    groups = {g["name"]: g for g in cfg.build(model, LENGTH)["critic"][0].param_groups}
    assert [p is model.critic.scale for p in groups["default_no_decay"]["params"]].count(True) == 1


def test_manual_optimization_with_lightning(tmp_path) -> None:
    lightning = pytest.importorskip("lightning")
    from _helpers.lightning import loader, logged_rows, monitored_trainer, quiet_fit

    cfg = _config(
        {
            "encoder": {"name": "cosine"},
            "actor": {"name": "linear", "warmup": {"kind": "steps", "value": 1}},
        }
    )

    class Agent(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.automatic_optimization = False
            self.encoder = torch.nn.Linear(3, 4)
            self.actor = torch.nn.Linear(4, 2)
            self.critic = torch.nn.Linear(4, 1)

        def training_step(self, batch, _):
            optimizers = self.optimizers()
            schedulers = self.lr_schedulers()
            for opt, sched in zip(optimizers, schedulers):
                h = self.encoder(batch[0])
                loss = self.actor(h).pow(2).mean() + self.critic(h).pow(2).mean()
                opt.zero_grad()
                self.manual_backward(loss)
                opt.step()
                sched.step()

        def configure_optimizers(self):
            return cfg.configure_optimizers(self)

    data = loader(torch.randn(40, 3))
    # max_steps: Lightning counts the steps of all 3 optimizers: 4 batches
    trainer = monitored_trainer(tmp_path, max_steps=12)
    module = Agent()
    quiet_fit(trainer, module, data)
    assert trainer.fit_loop.epoch_loop.batch_progress.total.completed == math.ceil(12 / 3)
    length = cfg.training_length(trainer)
    assert (length.steps_per_epoch, length.total_steps) == (20, 4)
    rows = logged_rows(tmp_path)
    for key in ("encoder", "actor", "critic"):
        column = f"lr-{key}/default"
        logged = [float(r[column]) for r in rows if r.get(column)]
        want = S.preview(cfg.optimizers[key], length, model=module)[:-1, 0]
        assert len(logged) == 4, column
        np.testing.assert_allclose(logged, want, rtol=1e-6)
    # the actor: warmup 1 step then linear over the 3 others: 0, 1, 2/3, 1/3 of 3e-4
    np.testing.assert_allclose(
        S.preview(cfg.optimizers["actor"], length)[:4, 0],
        [0.0, 3e-4, 2e-4, 1e-4],
        rtol=1e-12,
        atol=1e-18,
    )


def test_from_trainer_counts_batches_under_manual_optimization() -> None:
    lightning = pytest.importorskip("lightning")
    from _helpers.lightning import loader, quiet_fit, tiny_trainer

    seen: list[S.TrainingLength] = []

    class Manual(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.automatic_optimization = False
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch, _):
            opt = self.optimizers()
            opt.zero_grad()
            self.manual_backward(self.net(batch[0]).pow(2).mean())
            opt.step()

        def configure_optimizers(self):
            seen.append(S.TrainingLength.from_trainer(self.trainer))
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = loader(torch.randn(20, 3))
    trainer = tiny_trainer(max_epochs=3, max_steps=25)
    quiet_fit(trainer, Manual(), data)
    # 10 batches per epoch, one optimizer step each; 3 epochs = 30 capped by max_steps = 25
    assert (seen[0].steps_per_epoch, seen[0].total_steps) == (10, 25)
    assert trainer.global_step == 25
