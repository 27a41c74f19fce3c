"""Schedule-free optimizers: the configs against the real ``schedulefree`` package, step for
step, and the train/eval mode switching under a real Lightning fit (checkpoints, resume)."""

from __future__ import annotations

import inspect
import sys
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import pytest
import schedulefree
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from pydantic import ValidationError
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nshsched as S
from nshsched.optimizer.schedule_free import ScheduleFreeWarning, is_schedule_free
from nshsched.optimizer.schedule_free_modes import ScheduleFreeCallback

CONFIGS = {
    "schedule_free_adamw": (S.ScheduleFreeAdamWConfig, schedulefree.AdamWScheduleFree),
    "schedule_free_sgd": (S.ScheduleFreeSGDConfig, schedulefree.SGDScheduleFree),
    "schedule_free_radam": (S.ScheduleFreeRAdamConfig, schedulefree.RAdamScheduleFree),
}
TOL = {"rtol": 1e-6, "atol": 1e-7}  # float32 weights through the same operations


# ---------------------------------------------------------------------- configs


@pytest.mark.parametrize("tag", CONFIGS)
def test_fields_are_the_package_keywords_with_its_defaults(tag: str) -> None:
    cls, package_cls = CONFIGS[tag]
    assert S.optimizer_registry.get(tag) is cls
    assert S.optimizer_registry.get(package_cls.__name__) is cls  # the class name: an alias
    params = dict(list(inspect.signature(package_cls).parameters.items())[1:])
    fields = {k: v for k, v in cls.model_fields.items() if k != "name"}
    assert list(fields) == list(params)
    assert fields["lr"].is_required()  # the package has a default; configs require it
    for key, info in fields.items():
        if key != "lr":
            assert info.default == params[key].default, key


@pytest.mark.parametrize(
    ("tag", "data", "match"),
    [
        ("schedule_free_adamw", {"betas": (0.0, 0.999)}, r"betas\.0[\s\S]*greater than 0"),
        ("schedule_free_adamw", {"betas": (0.9, 1.0)}, r"betas\.1[\s\S]*less than 1"),
        ("schedule_free_adamw", {"eps": 0.0}, r"eps[\s\S]*greater than 0"),
        ("schedule_free_adamw", {"warmup_steps": -1}, r"warmup_steps[\s\S]*greater than or equal"),
        ("schedule_free_adamw", {"lr": float("nan")}, r"lr[\s\S]*finite"),
        ("schedule_free_adamw", {"weight_decay": 2.0}, r"lr \* weight_decay must be <= 1"),
        ("schedule_free_sgd", {"momentum": 1.0}, r"momentum[\s\S]*less than 1"),
        ("schedule_free_sgd", {"momentum": 0.0}, r"momentum[\s\S]*greater than 0"),
        ("schedule_free_radam", {"r": -1.0}, r"\br\b[\s\S]*greater than or equal"),
        (
            "schedule_free_adamw",
            {"weight_lr_power": 9.0},
            r"weight_lr_power[\s\S]*less than or equal to 8",
        ),
        ("schedule_free_radam", {"weight_lr_power": -2}, r"weight_lr_power"),
        (
            "schedule_free_sgd",
            {"nesterov": True},
            r"nesterov: not a field of ScheduleFreeSGDConfig",
        ),
    ],
)
def test_bad_values_are_refused_with_the_field(tag: str, data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.optimizer_registry.construct({"name": tag, "lr": 1.0, **data})


def test_lr_is_required() -> None:
    with pytest.raises(ValidationError, match=r"\n  lr: Field required"):
        S.optimizer_registry.construct({"name": "schedule_free_sgd"})


def test_missing_package_is_named_when_building(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schedulefree", None)  # what an uninstalled package gives
    config = S.optimizer_registry.construct({"name": "schedule_free_adamw", "lr": 0.1})
    with pytest.raises(ImportError, match=r"needs the package 'schedulefree'.*pip install"):
        config.create_optimizer([nn.Parameter(torch.zeros(2))])


def _groups(model: nn.Module) -> list[dict[str, Any]]:
    body, head = model[0], model[2]  # type: ignore[index]
    return [
        {"params": [body.weight], "lr": 0.05, "weight_decay": 0.01},
        {"params": [body.bias, head.bias]},
        {"params": [head.weight], "lr": 0.002},
    ]


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


@pytest.mark.parametrize("tag", CONFIGS)
def test_steps_equal_the_package_class_on_several_groups(tag: str) -> None:
    cls, package_cls = CONFIGS[tag]
    kwargs: dict[str, Any] = {"lr": 0.01, "weight_decay": 0.001, "r": 0.5}
    if tag != "schedule_free_radam":
        kwargs["warmup_steps"] = 3
    ours_model, ref_model = _net(), _net()
    ours = cls(**kwargs).create_optimizer(_groups(ours_model))
    ref = package_cls(_groups(ref_model), **kwargs)
    ref.train()  # what the package asks for before training; ours comes in train mode
    assert is_schedule_free(ours) and ours.param_groups[0]["train_mode"] is True
    torch.manual_seed(1)
    x, y = torch.randn(8, 3), torch.randn(8, 2)
    for step in range(6):
        for model, opt in ((ours_model, ours), (ref_model, ref)):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        # the same operations in the same order: equal to the last bit
        for a, b in zip(ours_model.parameters(), ref_model.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=f"{tag} step {step}")
    ours.eval()
    ref.eval()
    for a, b in zip(ours_model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_build_gives_train_mode_and_a_plain_loop_switches() -> None:
    config = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "schedule_free_adamw", "lr": 0.01}, "no_weight_decay": True}
    )
    model = _net()
    optimizer, scheduler = config.build(model, S.TrainingLength(steps_per_epoch=2, total_steps=4))
    assert scheduler is None
    assert [g["train_mode"] for g in optimizer.param_groups] == [True, True]
    x = torch.randn(4, 3)
    nn.functional.mse_loss(model(x), torch.zeros(4, 2)).backward()
    optimizer.step()
    optimizer.eval()
    with pytest.raises(Exception, match="not in train mode"):  # the package's own error
        optimizer.step()
    optimizer.train()
    optimizer.step()


# ---------------------------------------------------------------------- the warning


@pytest.mark.parametrize(
    "scheduler",
    [
        {"name": "cosine", "warmup": 10},
        {"name": "linear"},
        {"name": "step_lr", "step_size": 2},
        {"name": "reduce_lr_on_plateau", "monitor": "val_loss"},
        {"name": "warmup_stable_decay", "warmup": 5, "decay": {"kind": "fraction", "value": 0.2}},
    ],
)
def test_a_decaying_schedule_warns_naming_both(scheduler: dict[str, Any]) -> None:
    with pytest.warns(ScheduleFreeWarning) as record:
        S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "schedule_free_sgd", "lr": 0.5}, "scheduler": scheduler}
        )
    assert len(record) == 1
    message = str(record[0].message)
    assert "'schedule_free_sgd' is schedule-free" in message
    assert f"scheduler {scheduler['name']!r} lowers the LR" in message


def test_a_group_schedule_that_decays_warns_too() -> None:
    with pytest.warns(ScheduleFreeWarning, match=r"param group 'head''s scheduler 'cosine'"):
        S.OptimizationConfig.model_validate(
            {
                "optimizer": {"name": "schedule_free_adamw", "lr": 0.01},
                "scheduler": {"name": "constant_with_warmup", "warmup": 5},
                "param_groups": [
                    {"name": "head", "params": ["2.*"], "scheduler": {"name": "cosine"}}
                ],
            }
        )


@pytest.mark.parametrize(
    "scheduler",
    [
        None,
        {"name": "constant_with_warmup", "warmup": {"kind": "fraction", "value": 0.1}},
        {"name": "constant"},
        {"name": "linear_lr", "start_factor": 0.1, "total_iters": 5},
        {"name": "constant_lr", "factor": 0.5, "total_iters": 3},
    ],
)
def test_a_warmup_or_a_constant_does_not_warn(scheduler: dict[str, Any] | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "schedule_free_adamw", "lr": 0.01}, "scheduler": scheduler}
        )


def test_a_scheduled_optimizer_with_a_decay_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "adamw", "lr": 0.01}, "scheduler": {"name": "cosine"}}
        )


# ---------------------------------------------------------------------- Lightning

N, BATCH = 12, 4  # 3 training batches an epoch
DATA = (torch.linspace(-1, 1, N * 3).reshape(N, 3), torch.linspace(1, -1, N * 2).reshape(N, 2))


def _snapshot(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


class Net(L.LightningModule):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = S.OptimizationConfig.model_validate(config)
        self.net = _net()
        self.train_modes: list[bool] = []
        self.val_weights: list[list[torch.Tensor]] = []
        self.val_modes: list[bool] = []
        self.test_modes: list[bool] = []

    def _modes(self) -> list[bool]:
        return [g.get("train_mode") for o in self.trainer.optimizers for g in o.param_groups]

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        self.train_modes += self._modes()
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        if batch_idx == 0 and not self.trainer.sanity_checking:
            self.val_weights.append(_snapshot(self.net))
            self.val_modes += self._modes()

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.test_modes += self._modes()

    def configure_optimizers(self) -> Any:
        return self.config.configure_optimizers(self)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(TensorDataset(*DATA), batch_size=BATCH, shuffle=False)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(TensorDataset(*DATA), batch_size=BATCH)

    def test_dataloader(self) -> DataLoader:
        return DataLoader(TensorDataset(*DATA), batch_size=BATCH)


SF = {"optimizer": {"name": "schedule_free_adamw", "lr": 0.05, "warmup_steps": 2}}


def reference(epochs: int, eval_at_steps: tuple[int, ...] = ()) -> dict[str, Any]:
    """The package's own loop: train() once, eval() around each evaluation."""
    model = _net()
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.05, warmup_steps=2)
    opt.train()
    epoch_evals, step_evals, step = [], {}, 0
    for _ in range(epochs):
        for x, y in DataLoader(TensorDataset(*DATA), batch_size=BATCH):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            step += 1
            if step in eval_at_steps:
                opt.eval()
                step_evals[step] = _snapshot(model)
                opt.train()
        opt.eval()
        epoch_evals.append(_snapshot(model))
        opt.train()
    opt.eval()
    return {"epochs": epoch_evals, "steps": step_evals, "final": _snapshot(model)}


def trainer(tmp_path: Path, **kwargs: Any) -> L.Trainer:
    options: dict[str, Any] = {
        "max_epochs": 3,
        "logger": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "num_sanity_val_steps": 1,
        "default_root_dir": tmp_path,
    }
    return L.Trainer(**(options | kwargs))


def assert_weights(actual: list[torch.Tensor], expected: list[torch.Tensor]) -> None:
    for a, b in zip(actual, expected, strict=True):
        torch.testing.assert_close(a, b, **TOL)


def test_fit_switches_modes_and_checkpoints_hold_the_eval_weights(tmp_path: Path) -> None:
    ckpt = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_top_k=-1, filename="{epoch}")
    model = Net(SF)
    fit = trainer(tmp_path, callbacks=[ckpt])
    fit.fit(model)
    callbacks = [type(c).__name__ for c in fit.callbacks]
    assert callbacks.count("ScheduleFreeCallback") == 1
    assert callbacks.index("ScheduleFreeCallback") < callbacks.index("ModelCheckpoint")
    ref = reference(3)
    assert model.train_modes == [True] * 9  # 3 epochs x 3 batches, one group
    assert model.val_modes == [False] * 3
    for seen, expected in zip(model.val_weights, ref["epochs"], strict=True):
        assert_weights(seen, expected)
    assert_weights(_snapshot(model.net), ref["final"])  # after fit: the averaged weights
    for epoch in range(3):
        saved = torch.load(tmp_path / "ckpt" / f"epoch={epoch}.ckpt", weights_only=True)
        assert saved["optimizer_states"][0]["param_groups"][0]["train_mode"] is False
        assert_weights(list(saved["state_dict"].values()), ref["epochs"][epoch])
    fit.test(model)
    assert model.test_modes and not any(model.test_modes)


def test_resume_from_a_checkpoint_continues_in_train_mode(tmp_path: Path) -> None:
    ckpt = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_top_k=-1, filename="{epoch}")
    trainer(tmp_path, max_epochs=2, callbacks=[ckpt]).fit(Net(SF))
    resumed = Net(SF)
    trainer(tmp_path, max_epochs=4).fit(resumed, ckpt_path=tmp_path / "ckpt" / "epoch=1.ckpt")
    ref = reference(4)
    assert resumed.train_modes == [True] * 6  # epochs 2 and 3
    assert resumed.val_modes == [False] * 2
    for seen, expected in zip(resumed.val_weights, ref["epochs"][2:], strict=True):
        assert_weights(seen, expected)
    assert_weights(_snapshot(resumed.net), ref["final"])


@pytest.mark.parametrize("weights_only", [False, True], ids=["full", "weights_only"])
def test_checkpoints_saved_between_validations_hold_the_eval_weights(
    tmp_path: Path, weights_only: bool
) -> None:
    # Saved after optimizer steps 2 and 4, mid-epoch, with no validation to switch modes.
    ckpt = ModelCheckpoint(
        dirpath=tmp_path / "ckpt",
        every_n_train_steps=2,
        save_top_k=-1,
        filename="{step}",
        save_weights_only=weights_only,
    )
    model = Net(SF)
    trainer(tmp_path, max_epochs=2, limit_val_batches=0, callbacks=[ckpt]).fit(model)
    ref = reference(2, eval_at_steps=(2, 4))
    assert model.train_modes == [True] * 6
    for step in (2, 4):
        saved = torch.load(tmp_path / "ckpt" / f"step={step}.ckpt", weights_only=True)
        assert_weights(list(saved["state_dict"].values()), ref["steps"][step])
        if not weights_only:
            assert saved["optimizer_states"][0]["param_groups"][0]["train_mode"] is False
    assert_weights(_snapshot(model.net), ref["final"])


def test_a_user_added_callback_is_not_doubled(tmp_path: Path) -> None:
    fit = trainer(tmp_path, max_epochs=1, callbacks=[ScheduleFreeCallback()])
    fit.fit(Net(SF))
    assert sum(isinstance(c, ScheduleFreeCallback) for c in fit.callbacks) == 1


def test_other_optimizers_get_no_callback(tmp_path: Path) -> None:
    fit = trainer(tmp_path, max_epochs=1)
    fit.fit(Net({"optimizer": {"name": "adamw", "lr": 0.01}}))
    assert not any(isinstance(c, ScheduleFreeCallback) for c in fit.callbacks)


class TwoOptimizers(Net):
    """Manual optimization with S.OptimizersConfig: a schedule-free body, a scheduled head."""

    def __init__(self) -> None:
        super().__init__(SF)
        self.automatic_optimization = False
        self.configs = S.OptimizersConfig.model_validate(
            {
                "optimizers": {
                    "body": {"optimizer": {"name": "schedule_free_sgd", "lr": 0.1}},
                    "head": {"module": "net.2", "optimizer": {"name": "adamw", "lr": 0.01}},
                }
            }
        )

    def training_step(self, batch: Any, batch_idx: int) -> None:
        self.train_modes += [m for m in self._modes() if m is not None]
        x, y = batch
        optimizers = self.optimizers()
        for opt in optimizers:
            opt.zero_grad()
        self.manual_backward(nn.functional.mse_loss(self.net(x), y))
        for opt in optimizers:
            opt.step()

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        if batch_idx == 0 and not self.trainer.sanity_checking:
            self.val_modes += [m for m in self._modes() if m is not None]

    def configure_optimizers(self) -> Any:
        return self.configs.configure_optimizers(self)


def test_several_optimizers_under_manual_optimization_switch_modes(tmp_path: Path) -> None:
    model = TwoOptimizers()
    fit = trainer(tmp_path, max_epochs=2)
    fit.fit(model)
    assert sum(isinstance(c, ScheduleFreeCallback) for c in fit.callbacks) == 1
    assert model.train_modes == [True] * 6 and model.val_modes == [False] * 2
    assert fit.optimizers[0].param_groups[0]["train_mode"] is False  # after fit
