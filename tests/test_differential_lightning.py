"""Differential tests through a real ``lightning.Trainer.fit``: what
``LearningRateMonitor(logging_interval="step", log_momentum=True, log_weight_decay=True)``
logs at every optimizer step equals the reference model (tests/_reference), relative 1e-9.

A sampled subset of the generated cases of tests/test_differential.py (tags drawn from the
registry), with gradient accumulation 1/2/3, epochs cut by ``max_steps``, on a tiny CPU
model; several optimizers under manual optimization; one fit on two processes
(``ddp_fork``). The training length the reference uses is computed here from the trainer
settings, as Lightning steps: ``ceil(batches / accumulate)`` optimizer steps per epoch.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import lightning
import pydantic
import pytest
import torch
from hypothesis import given, note, reject, settings
from hypothesis import strategies as st
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers.logger import Logger

import nshsched as S
from _differential import close, quiet
from _differential_cases import Case, TinyViT, cases, library_tags, several_cases
from _differential_known import known_failures
from _differential_samples import pick
from _helpers.processes import in_fresh_process
from _reference import reference, reference_many

SCHEDULER_TAGS = library_tags(S.lr_scheduler_registry)
PROFILE = settings.get_profile("nshsched-differential-lightning")  # tests/conftest.py
BATCH = 2


class FileLogger(Logger):
    """Every logged row, appended to a JSON-lines file (rank 0 writes; forked ranks too)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    @property
    def name(self) -> str:
        return "rows"

    @property
    def version(self) -> int:
        return 0

    def log_hyperparams(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps({"step": step, **{k: float(v) for k, v in metrics.items()}}) + "\n")

    def rows(self) -> dict[int, dict[str, float]]:
        out: dict[int, dict[str, float]] = {}
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                row = json.loads(line)
                out.setdefault(row.pop("step"), {}).update(row)
        return out


class Fit(lightning.LightningModule):
    """``model``'s parameters under their own names, trained on ``config``."""

    lengths: ClassVar[list[S.TrainingLength]] = []  # TrainingLength.from_trainer, each fit

    def __init__(self, model: torch.nn.Module, config: Any, manual: bool) -> None:
        super().__init__()
        self.automatic_optimization = not manual
        self.config = config
        for name, child in model.named_children():
            self.add_module(name, child)
        for name, p in model.named_parameters(recurse=False):
            self.register_parameter(name, p)
        self.forward_fn = type(model).forward

    def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> Any:
        self.log("metric", -float(self.global_step))  # improving: plateau never reduces
        if self.automatic_optimization:
            return self.forward_fn(self, batch[0]).pow(2).mean()
        for optimizer, scheduler in zip(self.optimizers(), self.lr_schedulers()):  # type: ignore[arg-type]
            optimizer.zero_grad()
            self.manual_backward(self.forward_fn(self, batch[0]).pow(2).mean())
            optimizer.step()
            scheduler.step()
        return None

    def configure_optimizers(self) -> Any:
        if self.automatic_optimization:
            Fit.lengths.append(S.TrainingLength.from_trainer(self.trainer))
        with quiet():
            return self.config.configure_optimizers(self)


class FitViT(Fit):
    def no_weight_decay(self) -> set[str]:
        return TinyViT.no_weight_decay(self)  # type: ignore[arg-type]


def fit(
    case: Case,
    tmp: Path,
    *,
    batches: int,
    accumulate: int,
    epochs: int,
    max_steps: int,
    **trainer: Any,
) -> dict[int, dict[str, float]]:
    torch.manual_seed(0)
    model = case.model()
    module = (Fit if case.several else FitViT)(model, case.config(), manual=case.several)
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.randn(batches * BATCH, 4)), batch_size=BATCH
    )
    logger = FileLogger(tmp / "rows.jsonl")
    monitor = LearningRateMonitor(logging_interval="step", log_momentum=True, log_weight_decay=True)
    options = {"accelerator": "cpu", "devices": 1, **trainer}
    run = lightning.Trainer(
        max_epochs=epochs,
        max_steps=max_steps,
        accumulate_grad_batches=accumulate,
        logger=logger,
        callbacks=[monitor],
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        **options,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run.fit(module, data)
    return logger.rows()


def compare(case: Case, rows: dict[int, dict[str, float]], ref: Any, optimizer: str) -> int:
    """Every logged value of ``ref``'s groups; returns how many were compared."""
    compared = 0
    lightning_keys = {
        "lr": "",
        "weight_decay": "-weight_decay",
        "momentum": "-momentum",
        "betas.0": "-momentum",
    }
    for t in range(case.total):
        row = rows.get(t)
        if row is None:
            raise AssertionError(
                f"nothing logged at optimizer step {t}; logged steps {sorted(rows)}\n{case}"
            )
        for group, series in ref.values.items():
            for key, suffix in lightning_keys.items():
                name = f"lr-{optimizer}/{group}{suffix}"
                if key not in series or name not in row:
                    if key == "lr":
                        raise AssertionError(
                            f"{name!r} not logged at step {t}: {sorted(row)}\n{case}"
                        )
                    continue
                want, got = series[key][t], row[name]
                if not close(got, want, max(abs(v) for v in series[key])):
                    raise AssertionError(
                        f"Trainer.fit: {name} at optimizer step {t}: logged {got!r}, reference {want!r}\n{case}"
                    )
                compared += 1
    return compared


def buildable(case: Case) -> Any:
    """The case's config, when the library builds it and no known difference covers it
    (else the example is rejected: the other differential tests cover refusals)."""
    if known_failures(case.data, (case.spe, case.total), "lightning"):
        reject()
    try:
        config = case.config()
        with quiet():
            config.build(case.model(), case.length())
    except (pydantic.ValidationError, ValueError):
        reject()
    return config


@settings(PROFILE)
@given(data=st.data())
def test_fit_matches_reference(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tag = data.draw(st.sampled_from(SCHEDULER_TAGS), label="tag")
    case = data.draw(cases(tag, pick(data.draw, None, "steps", "epochs", "fraction")), label="case")
    batches, accumulate = data.draw(st.integers(2, 6)), data.draw(st.sampled_from([1, 2, 3]))
    epochs = data.draw(st.integers(2, 4))
    limit = pick(data.draw, None, None, data.draw(st.integers(1, batches)))
    # Lightning steps at the last batch of an epoch: ceil(batches / accumulate) steps
    spe = math.ceil(min(batches, limit or batches) / accumulate)
    max_steps = pick(data.draw, -1, spe * epochs - 1)
    total = spe * epochs if max_steps == -1 else max_steps
    case = replace(case, spe=spe, total=total, wrapper="none")
    note(f"{batches=} {limit=} {accumulate=} {epochs=} {max_steps=}\n{case}")
    config = buildable(case)
    with quiet():
        ref = reference(config, case.model(), case.length())
    rows = fit(
        case,
        tmp_path_factory.mktemp("fit"),
        batches=batches,
        accumulate=accumulate,
        epochs=epochs,
        max_steps=max_steps,
        limit_train_batches=limit,
    )
    assert Fit.lengths[-1] == case.length(), "TrainingLength.from_trainer (§3)"
    optimizer = type(
        config.optimizer.create_optimizer([torch.nn.Parameter(torch.zeros(1))])
    ).__name__
    assert compare(case, rows, ref, optimizer) >= case.total


@settings(PROFILE, max_examples=max(1, PROFILE.max_examples // 2))
@given(data=st.data())
def test_several_optimizers_fit_matches_reference(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Manual optimization: one step of each optimizer per batch, ``lr-<key>/<group>``."""
    case = data.draw(several_cases(SCHEDULER_TAGS), label="case")
    batches, epochs = data.draw(st.integers(2, 5)), data.draw(st.integers(2, 3))
    # max_steps counts the steps of all 3 optimizers: ceil(max_steps / 3) batches (§9)
    max_steps = pick(data.draw, -1, 3 * batches * epochs - data.draw(st.integers(1, 5)))
    total = batches * epochs if max_steps == -1 else math.ceil(max_steps / 3)
    case = replace(case, spe=batches, total=total)
    note(f"batches={batches} epochs={epochs} max_steps={max_steps}\n{case}")
    config = buildable(case)
    with quiet():
        refs = reference_many(config, case.model(), case.length())
    rows = fit(
        case,
        tmp_path_factory.mktemp("fit"),
        batches=batches,
        accumulate=1,
        epochs=epochs,
        max_steps=max_steps,
    )
    for key, ref in refs.items():
        assert compare(case, rows, ref, key) >= case.total


@in_fresh_process  # it forks: see in_fresh_process
def test_ddp_fork_fit_matches_reference(tmp_path: Path) -> None:
    """Two processes: 10 samples, 5 batches of 2 per process (DistributedSampler), windows
    of 2 -> 3 optimizer steps an epoch; layer decay, no weight decay, a group's own
    schedule, a weight-decay schedule and a joined warmup on an epoch schedule."""
    data = {
        "optimizer": {"name": "adamw", "lr": 0.01, "weight_decay": 0.05},
        "scheduler": {
            "name": "cosine_annealing_lr",
            "T_max": 2,
            "warmup": {"kind": "steps", "value": 2},
        },
        "param_groups": [
            {
                "name": "head",
                "params": ["head.*"],
                "lr_scale": 10.0,
                "scheduler": {"name": "linear"},
            }
        ],
        "layer_decay": {"rate": 0.5},
        "no_weight_decay": True,
        "hyperparameters": {
            "weight_decay": {"schedule": {"name": "cosine"}, "start": 0.04, "end": 0.4}
        },
    }
    case = Case(data, spe=3, total=9)
    with quiet():
        ref = reference(case.config(), case.model(), case.length())
    rows = fit(
        case,
        tmp_path,
        batches=10,
        accumulate=2,
        epochs=3,
        max_steps=-1,
        strategy="ddp_fork",
        devices=2,
    )
    assert compare(case, rows, ref, "AdamW") >= case.total


class LengthProbe(Fit):
    """Records what ``TrainingLength.from_trainer`` says inside ``configure_optimizers`` (told
    the number of optimizers: the trainer learns them from what it returns) and once training
    starts (the trainer's own)."""

    seen: ClassVar[list[S.TrainingLength]] = []

    def configure_optimizers(self) -> Any:
        LengthProbe.seen.append(S.TrainingLength.from_trainer(self.trainer, optimizers=3))
        return super().configure_optimizers()

    def on_train_start(self) -> None:
        LengthProbe.seen.append(S.TrainingLength.from_trainer(self.trainer))


def test_from_trainer_under_manual_optimization_counts_batches(tmp_path: Path) -> None:
    # issue 18 item 5 (§9): was 12, the steps of all optimizers together
    entries = {
        k: {"optimizer": {"name": "sgd", "lr": 0.1}, "module": k} for k in ("encoder", "actor")
    }
    entries["rest"] = {"optimizer": {"name": "sgd", "lr": 0.1}}
    case = Case({"optimizers": entries}, spe=8, total=4, model_name="agent")
    LengthProbe.seen.clear()
    module = LengthProbe(case.model(), case.config(), manual=True)
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.randn(16, 4)), batch_size=BATCH
    )
    trainer = lightning.Trainer(
        max_steps=12,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(module, data)
    assert trainer.fit_loop.total_batch_idx + 1 == 4  # Lightning: 3 optimizers, 12 steps
    assert [(n.steps_per_epoch, n.total_steps) for n in LengthProbe.seen] == [(8, 4), (8, 4)]
    assert case.config().training_length(trainer) == case.length()


def test_several_optimizers_plateau_with_warmup(tmp_path: Path) -> None:
    # issue 18 item 1 (several optimizers): was refused ('needs 2 torch schedulers')
    plateau = {"name": "reduce_lr_on_plateau", "monitor": "metric", "patience": 1000}
    entries = {
        "encoder": {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "module": "encoder",
            "scheduler": {**plateau, "warmup": {"kind": "steps", "value": 3}},
        },
        "rest": {"optimizer": {"name": "adam", "lr": 0.01}, "scheduler": {"name": "cosine"}},
    }
    case = Case({"optimizers": entries}, spe=4, total=8, model_name="agent")
    with quiet():
        refs = reference_many(case.config(), case.model(), case.length())
    rows = fit(case, tmp_path, batches=4, accumulate=1, epochs=2, max_steps=-1)
    for key, ref in refs.items():
        assert compare(case, rows, ref, key) >= case.total


def test_epoch_schedule_with_step_hyperparameter(tmp_path: Path) -> None:
    # was a known difference (issue 18): Lightning got one scheduler with the LR's interval
    # 'epoch', so the weight decay only changed at epoch ends
    data = {
        "optimizer": {"name": "sgd", "lr": 0.1, "weight_decay": 1e-4},
        "scheduler": {"name": "cosine_annealing_lr", "T_max": 3},  # interval: epoch
        "hyperparameters": {"weight_decay": {"schedule": {"name": "linear"}}},  # step
    }
    case = Case(data, spe=4, total=8)
    with quiet():
        ref = reference(case.config(), case.model(), case.length())
    rows = fit(case, tmp_path, batches=4, accumulate=1, epochs=2, max_steps=-1)
    assert compare(case, rows, ref, "SGD") >= case.total
