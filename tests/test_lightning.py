"""Real ``lightning.Trainer`` fits: training length, per-group LRs vs preview, resume,
LearningRateMonitor, DDP, plateau."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")

import nshsched as S  # noqa: E402
from _helpers.lightning import loader, logged_rows, monitored_trainer, tiny_trainer  # noqa: E402
from _helpers.processes import in_fresh_process  # noqa: E402
from nshsched import TrainingLength  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning:lightning",
    "ignore::lightning.fabric.utilities.warnings.PossibleUserWarning",
)


class _Stream(torch.utils.data.IterableDataset):  # type: ignore[misc]
    def __iter__(self) -> Any:
        for _ in range(6):
            yield (torch.randn(2),)


class Tiny(L.LightningModule):
    """Two linear layers; records each optimizer step's LRs (the LRs that step uses)."""

    def __init__(
        self,
        config: S.OptimizationConfig,
        n: int = 10,
        batch_size: int = 1,
        val_loss: list[float] | None = None,
        iterable: bool = False,
        out_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.body = torch.nn.Linear(2, 4)
        self.head = torch.nn.Linear(4, 1)
        self.config = config
        self.n, self.batch_size, self.iterable = n, batch_size, iterable
        self.val_losses = val_loss
        self.out_dir = out_dir
        self.lrs: list[list[float]] = []
        self.steps_per_epoch: dict[int, int] = {}
        self.length: S.TrainingLength | None = None
        self.configured: Any = None

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        loss = self.head(torch.relu(self.body(batch[0]))).pow(2).mean()
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        assert self.val_losses is not None
        self.log("val_loss", self.val_losses[self.current_epoch])

    def configure_optimizers(self) -> Any:
        self.configured = self.config.configure_optimizers(self)
        self.length = TrainingLength.from_trainer(self.trainer)
        return self.configured

    def optimizer_step(self, *args: Any, **kwargs: Any) -> None:
        optimizer = self.optimizers().optimizer  # type: ignore[union-attr]
        self.lrs.append([g["lr"] for g in optimizer.param_groups])
        epoch = self.current_epoch
        self.steps_per_epoch[epoch] = self.steps_per_epoch.get(epoch, 0) + 1
        super().optimizer_step(*args, **kwargs)

    def on_train_end(self) -> None:
        if self.out_dir is not None:
            optimizer = self.optimizers().optimizer  # type: ignore[union-attr]
            record = {
                "global_step": self.trainer.global_step,
                "length": self.length.model_dump() if self.length else None,
                "lrs": self.lrs,
                "final": [g["lr"] for g in optimizer.param_groups],
            }
            path = self.out_dir / f"rank{self.global_rank}.json"
            path.write_text(json.dumps(record))

    def _data(self, n: int) -> Any:
        if self.iterable:
            return torch.utils.data.DataLoader(_Stream(), batch_size=1)
        return loader(torch.randn(n * self.batch_size, 2), batch_size=self.batch_size)

    def train_dataloader(self) -> Any:
        return self._data(self.n)

    def val_dataloader(self) -> Any:
        return self._data(2) if self.val_losses is not None else []


def per_group_config() -> S.OptimizationConfig:
    """Global cosine per optimizer step; ``body`` overrides it with an epoch StepLR."""
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 0.01},
            "scheduler": {
                "name": "cosine_annealing_lr",
                "T_max": {"kind": "fraction", "value": 1.0},
                "interval": "step",
                "eta_min": 0.001,
            },
            "param_groups": [
                {
                    "name": "body",
                    "params": ["body.*"],
                    "lr_scale": 0.5,
                    "scheduler": {"name": "step_lr", "step_size": 1, "gamma": 0.5},
                },
                {"name": "head", "params": ["head.weight"], "lr": 0.2},
            ],
            "no_weight_decay": True,
        }
    )


def expected_lrs(config: S.OptimizationConfig, module: Any, length: S.TrainingLength) -> Any:
    bases = config.base_lrs(module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = config.group_scheduler(list(bases))
    assert compiled is not None
    return S.preview(compiled, length, bases)


def test_accumulation_steps_and_every_group_lr_equals_preview() -> None:
    config = per_group_config()
    model = Tiny(config, n=10)
    with pytest.warns(UserWarning, match=r"\['body'\] set their own scheduler"):
        tiny_trainer(max_epochs=3, accumulate_grad_batches=4).fit(model)
    # 10 batches in windows of 4: steps after batches 4, 8 and the last one (10) -> 3 an epoch.
    assert model.trainer.global_step == 9
    assert model.steps_per_epoch == {0: 3, 1: 3, 2: 3}
    assert model.length == S.TrainingLength(steps_per_epoch=3, total_steps=9)
    names = [g["name"] for g in model.configured["optimizer"].param_groups]
    assert names == ["body", "body_no_decay", "head", "default_no_decay"]
    expected = expected_lrs(config, model, model.length)
    np.testing.assert_allclose(np.array(model.lrs), expected[:9], rtol=1e-12, atol=0)
    final = [g["lr"] for g in model.configured["optimizer"].param_groups]
    np.testing.assert_allclose(final, expected[9], rtol=1e-12)
    # body: StepLR per epoch (0.05 halved each epoch); head: cosine from 0.2 per step.
    assert [row[0] for row in model.lrs] == [0.05] * 3 + [0.025] * 3 + [0.0125] * 3
    eta = 0.001
    cos = [eta + (0.2 - eta) * (1 + math.cos(math.pi * t / 9)) / 2 for t in range(9)]
    np.testing.assert_allclose([row[2] for row in model.lrs], cos, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "n", "expected"),
    [
        (dict(max_epochs=2, limit_train_batches=7, accumulate_grad_batches=3), 10, (3, 6)),
        (dict(max_epochs=2, limit_train_batches=0.55, accumulate_grad_batches=2), 10, (3, 6)),
        (dict(max_epochs=3, max_steps=5, accumulate_grad_batches=4), 10, (3, 5)),
        (dict(max_steps=7, accumulate_grad_batches=3), 10, (4, 7)),
        (dict(max_epochs=2, max_steps=100), 5, (5, 10)),
    ],
)
def test_training_length_is_what_lightning_steps(
    kwargs: dict[str, Any], n: int, expected: tuple[int, int]
) -> None:
    model = Tiny(
        S.OptimizationConfig.model_validate({"optimizer": {"name": "sgd", "lr": 0.1}}), n=n
    )
    tiny_trainer(**kwargs).fit(model)
    spe, total = expected
    assert model.length == S.TrainingLength(steps_per_epoch=spe, total_steps=total)
    assert model.trainer.global_step == total
    assert model.steps_per_epoch[0] == spe


def test_iterable_dataset_needs_max_steps() -> None:
    config = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 0.1}, "scheduler": {"name": "linear_lr"}}
    )
    with pytest.raises(ValueError, match=r"no length.*set Trainer\(max_steps=N\)"):
        tiny_trainer(max_epochs=1).fit(Tiny(config, iterable=True))
    model = Tiny(config, iterable=True)
    with pytest.warns(UserWarning, match="an epoch is taken to be the whole run"):
        tiny_trainer(max_steps=4).fit(model)
    assert model.length == S.TrainingLength(steps_per_epoch=4, total_steps=4)
    assert model.trainer.global_step == 4


def test_infinite_or_zero_training_is_an_error() -> None:
    config = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 0.1}, "scheduler": {"name": "linear_lr"}}
    )
    with pytest.raises(ValueError, match=r"infinite.*set Trainer\(max_steps=N\)"):
        tiny_trainer(max_epochs=-1).fit(Tiny(config))
    accumulating = tiny_trainer(
        max_epochs=1, callbacks=[L.callbacks.GradientAccumulationScheduler({0: 1, 1: 2})]
    )
    with pytest.raises(ValueError, match="GradientAccumulationScheduler"):
        accumulating.fit(Tiny(config))


def test_resume_continues_the_uninterrupted_run(tmp_path: Path) -> None:
    config = per_group_config()
    config.scheduler = S.lr_scheduler_registry.construct(
        {
            "name": "cosine_annealing_lr",
            "T_max": {"kind": "epochs", "value": 3},
            "interval": "step",
            "eta_min": 0.001,
        }
    )
    warnings.simplefilter("ignore", UserWarning)
    full = Tiny(config)
    tiny_trainer(max_epochs=3, accumulate_grad_batches=4).fit(full)
    first = Tiny(config)
    t1 = tiny_trainer(max_epochs=2, accumulate_grad_batches=4)
    t1.fit(first)
    ckpt = tmp_path / "two.ckpt"
    t1.save_checkpoint(ckpt)
    resumed = Tiny(config)
    t2 = tiny_trainer(max_epochs=3, accumulate_grad_batches=4)
    t2.fit(resumed, ckpt_path=ckpt)
    assert t2.global_step == 9
    assert first.lrs == full.lrs[:6]
    assert resumed.lrs == full.lrs[6:]  # exact, every group
    final = [g["lr"] for g in resumed.configured["optimizer"].param_groups]
    assert final == [g["lr"] for g in full.configured["optimizer"].param_groups]


def test_learning_rate_monitor_logs_a_column_per_group(tmp_path: Path) -> None:
    config = per_group_config()
    with pytest.warns(UserWarning):
        monitored_trainer(tmp_path, max_epochs=1).fit(Tiny(config, n=4))
    header = list(logged_rows(tmp_path)[0])
    for name in ("body", "body_no_decay", "head", "default_no_decay"):
        assert f"lr-SGD/{name}" in header


@in_fresh_process  # it forks: see in_fresh_process
def test_ddp_fork_two_processes(tmp_path: Path) -> None:
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {
                "name": "cosine_annealing_lr",
                "interval": "step",
                "T_max": {"kind": "fraction", "value": 1.0},
                "eta_min": 0.01,
            },
        }
    )
    model = Tiny(config, n=10, out_dir=tmp_path)
    tiny_trainer(strategy="ddp_fork", devices=2, max_epochs=2, accumulate_grad_batches=2).fit(model)
    # 10 samples on 2 processes: 5 batches each, windows of 2 -> 3 steps an epoch.
    length = S.TrainingLength(steps_per_epoch=3, total_steps=6)
    expected = S.preview(config.scheduler, length, [0.1])  # type: ignore[arg-type]
    for rank in (0, 1):
        record = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert record["global_step"] == 6
        assert S.TrainingLength(**record["length"]) == length
        np.testing.assert_allclose(record["final"], [0.01], rtol=1e-12)
        np.testing.assert_allclose(record["final"], expected[6], rtol=1e-12)
        np.testing.assert_allclose([r[0] for r in record["lrs"]], expected[:6, 0], rtol=1e-12)


def plateau_config(**scheduler: Any) -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {
                "name": "reduce_lr_on_plateau",
                "monitor": "val_loss",
                "patience": 0,
                "factor": 0.5,
            }
            | scheduler,
        }
    )


def test_plateau_in_a_real_fit() -> None:
    # val_loss improves once, then stalls: patience 0 halves the LR after epochs 2 and 3
    # (counted from 0), so epoch 3 runs at 0.05 and epoch 4 at 0.025.
    model = Tiny(plateau_config(), n=2, val_loss=[1.0, 0.5, 0.6, 0.7, 0.8])
    tiny_trainer(max_epochs=5).fit(model)
    assert [row[0] for row in model.lrs] == [0.1] * 6 + [0.05] * 2 + [0.025] * 2


def test_plateau_that_cannot_see_its_metric_is_refused() -> None:
    with pytest.raises(ValueError, match=r"interval 'step'.*use interval: epoch"):
        tiny_trainer(max_epochs=1).fit(Tiny(plateau_config(interval="step"), n=2, val_loss=[1.0]))
    with pytest.raises(ValueError, match=r"check_val_every_n_epoch=2.*frequency: 2"):
        tiny_trainer(max_epochs=2, check_val_every_n_epoch=2).fit(
            Tiny(plateau_config(), n=2, val_loss=[1.0, 1.0])
        )
    with pytest.raises(ValueError, match="validation never runs"):
        tiny_trainer(max_epochs=1, limit_val_batches=0).fit(
            Tiny(plateau_config(), n=2, val_loss=[1.0])
        )
    # frequency 2 lines up with validation every 2 epochs: the stall seen after epoch 3
    # halves the LR of epochs 4 and 5.
    model = Tiny(plateau_config(frequency=2), n=2, val_loss=[1.0] * 6)
    tiny_trainer(max_epochs=6, check_val_every_n_epoch=2).fit(model)
    assert [row[0] for row in model.lrs] == [0.1] * 8 + [0.05] * 4


def test_per_group_with_a_plateau_group_is_one_scheduler_dict() -> None:
    # body: plateau on val_loss; head: cosine per optimizer step -> one scheduler dict, the
    # plateau's, whose companion moves the head's cosine at every optimizer step.
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "param_groups": [
                {
                    "name": "body",
                    "params": ["body.*"],
                    "scheduler": {
                        "name": "reduce_lr_on_plateau",
                        "monitor": "val_loss",
                        "patience": 0,
                        "factor": 0.5,
                    },
                },
                {
                    "name": "head",
                    "params": ["head.*"],
                    "scheduler": {"name": "cosine_annealing_lr", "T_max": 6, "interval": "step"},
                },
            ],
        }
    )
    model = Tiny(config, n=2, val_loss=[1.0, 1.0, 1.0])
    tiny_trainer(max_epochs=3).fit(model)
    spec = model.configured["lr_scheduler"]
    assert spec["interval"] == "epoch"
    assert spec["reduce_on_plateau"] and spec["monitor"] == "val_loss"
    assert [row[0] for row in model.lrs] == [0.1] * 4 + [0.05] * 2
    cos = [0.1 * (1 + math.cos(math.pi * t / 6)) / 2 for t in range(6)]
    np.testing.assert_allclose([row[1] for row in model.lrs], cos, rtol=1e-12)


def _linear_config(policy: str = "error") -> S.OptimizationConfig:
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {"name": "linear", "on_resume_change": policy},  # total: whole run
        }
    )


def test_resume_into_a_longer_run_of_a_whole_training_schedule_is_an_error_from_fit(
    tmp_path: Path,
) -> None:
    first = Tiny(_linear_config())
    t1 = tiny_trainer(max_epochs=2)
    t1.fit(first)
    ckpt = tmp_path / "two.ckpt"
    t1.save_checkpoint(ckpt)
    # the linear decay spans the whole run: 20 steps then, 40 now — a different schedule
    with pytest.raises(ValueError, match=r"(?s)\(10, 20\) -> \(10, 40\).*on_resume_change"):
        tiny_trainer(max_epochs=4).fit(Tiny(_linear_config()), ckpt_path=ckpt)
    # rescale keeps the fraction of training done: step 20 of 20 -> step 40 of 40, the end
    # of the decay, where the 20 steps Lightning still runs stay
    resumed = Tiny(_linear_config("rescale"))
    tiny_trainer(max_epochs=4).fit(resumed, ckpt_path=ckpt)
    assert resumed.lrs == [[0.0]] * 20
    # continue keeps the step: the LR jumps from 0 (end of the old run) to 0.1 * (1 - 20/40)
    resumed = Tiny(_linear_config("continue"))
    tiny_trainer(max_epochs=4).fit(resumed, ckpt_path=ckpt)
    assert resumed.lrs[0] == pytest.approx([0.05], rel=1e-12)
