"""The invariant of the runtime: the schedule you configure is the schedule that runs.

For a broad, generated family of optimization configs — every built-in schedule (the samples
of ``test_preview.SAMPLES``), with and without a joined warmup in steps or epochs, interval
and frequency overrides, per-group overrides with ``lr`` / ``lr_scale`` and their own
schedules (relative and absolute), and gradient accumulation — three paths give the same
value for every param group at every optimizer step (relative error <= 1e-9):

1. ``S.preview(optimization_config, length, model=model)``, vectorised;
2. ``build(model, length)``'s scheduler stepped by hand after every optimizer step;
3. a real ``lightning.Trainer.fit`` with ``configure_optimizers`` (a smaller family: a fit
   costs a fraction of a second).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pydantic
import pytest
import torch

import nshsched as S
from _helpers.stepping import BodyHead, build_stepped
from test_preview import BUILTIN_TAGS, SAMPLES

RTOL = 1e-9


Net = BodyHead  # 3 -> 4 -> 1


def _accepts_warmup(tag: str, sample: dict[str, Any]) -> bool:
    """Whether the config takes the generic (joined) warmup and has none yet."""
    if "warmup" in sample or tag == "per_group":
        return False
    try:
        cfg = S.lr_scheduler_registry.construct(
            {"name": tag, **sample, "warmup": {"kind": "steps", "value": 7}}
        )
    except pydantic.ValidationError:
        return False  # e.g. `constant`, which points to constant_with_warmup
    getter = getattr(cfg, "generic_warmup", None)
    return (getter() if getter is not None else cfg.warmup) is not None  # type: ignore[attr-defined]


def _variants(tag: str, sample: dict[str, Any]) -> list[dict[str, Any]]:
    out = [sample]
    if _accepts_warmup(tag, sample):
        out.append({**sample, "warmup": {"kind": "steps", "value": 7}})
        out.append({**sample, "warmup": {"kind": "epochs", "value": 1.5}})
    return out


def _optimization(
    schedule: dict[str, Any], own: dict[str, Any] | str | None
) -> S.OptimizationConfig:
    groups: list[dict[str, Any]] = [
        {"name": "head", "params": ["head.*"], "lr_scale": 10.0},
        {"name": "body", "params": ["body.weight"], "lr": 0.02},
    ]
    if own != "inherit":
        groups[0]["scheduler"] = own
    return S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "scheduler": schedule,
            "param_groups": groups,
        }
    )


OWN = [
    "inherit",
    None,
    {
        "name": "step_decay",
        "intervals": [{"start": 0, "end": 9, "lr": 0.5}, {"start": 9, "end": 30, "lr": 0.05}],
    },
    {
        "name": "cosine_annealing_lr",
        "T_max": 4,
        "eta_min": 0.01,
        "warmup": {"kind": "steps", "value": 3},
    },
]


def _family() -> list[tuple[str, dict[str, Any], Any]]:
    out = []
    for tag in BUILTIN_TAGS:
        for sample in SAMPLES[tag]:
            if tag == "per_group":
                continue  # per_group is what group overrides compile to: covered by OWN
            for i, variant in enumerate(_variants(tag, sample)):
                own = OWN[(len(out) + i) % len(OWN)]
                out.append((tag, {"name": tag, **variant}, own))
    return out


FAMILY = _family()
LENGTH = S.TrainingLength(steps_per_epoch=7, total_steps=60)


# build() returns one scheduler: a plateau next to a group's own closed-form schedule needs
# two (Lightning's list form, covered by the Lightning family below).
HAND_FAMILY = [
    (t, s, o) for t, s, o in FAMILY if not (t == "reduce_lr_on_plateau" and isinstance(o, dict))
]


@pytest.mark.parametrize(
    "tag,schedule,own", HAND_FAMILY, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(HAND_FAMILY)]
)
def test_preview_equals_build_stepped_by_hand(tag: str, schedule: dict[str, Any], own: Any) -> None:
    oc = _optimization(schedule, own)
    model = Net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # horizon and "global and own scheduler" warnings
        got = S.preview(oc, LENGTH, model=model)
        want = build_stepped(oc, model, LENGTH)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-15, err_msg=str(schedule))
    assert (got >= 0).all() and np.isfinite(got).all()
    names = S.preview_groups(oc, model) if hasattr(S, "preview_groups") else None
    assert names is None or names == ["head", "body", "default"]


def test_the_family_is_broad() -> None:
    tags = {t for t, _, _ in FAMILY}
    assert tags == set(BUILTIN_TAGS) - {"per_group"}
    schedules = [s for _, s, _ in FAMILY]
    assert any(
        s.get("warmup", {}).get("kind") == "epochs"
        for s in schedules
        if isinstance(s.get("warmup"), dict)
    )
    assert any(s.get("interval") == "step" for s in schedules)
    assert any(s.get("frequency", 1) > 1 for s in schedules)
    assert {repr(o) for _, _, o in FAMILY} >= {repr(o) for o in OWN}


# ---------------------------------------------------------------------- a real Lightning fit

lightning = pytest.importorskip("lightning.pytorch")
from _helpers.lightning import (  # noqa: E402
    LRRecorder,
    loader,
    logged_rows,
    monitored_trainer,
    quiet_fit,
    tiny_trainer,
)


class _Module(lightning.LightningModule):
    def __init__(self, config: S.OptimizationConfig) -> None:
        super().__init__()
        self.body = torch.nn.Linear(3, 4)  # the same parameter names as Net
        self.head = torch.nn.Linear(4, 1)
        self.config = config

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        (x,) = batch
        loss = self.head(torch.relu(self.body(x))).pow(2).mean()
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self) -> Any:
        return self.config.configure_optimizers(self)


def _fit(
    oc: S.OptimizationConfig, *, batches: int, accumulate: int, epochs: int
) -> tuple[_Module, np.ndarray]:
    module = _Module(oc)
    data = loader(torch.randn(batches * 2, 3))
    recorder = LRRecorder()
    trainer = tiny_trainer(
        max_epochs=epochs, accumulate_grad_batches=accumulate, devices=1, callbacks=[recorder]
    )
    quiet_fit(trainer, module, data)
    return module, np.array(recorder.lrs)


# about 63 optimizer steps whatever the accumulation (the samples are sized for 60)
_RHYTHMS = {1: (21, 3), 2: (22, 6), 3: (21, 9)}  # accumulate -> (batches, epochs)


def _rhythm_length(accumulate: int) -> S.TrainingLength:
    batches, epochs = _RHYTHMS[accumulate]
    spe = -(-batches // accumulate)
    return S.TrainingLength(steps_per_epoch=spe, total_steps=spe * epochs)


def _fitting_accumulation(schedule: dict[str, Any], own: Any, first: int) -> int:
    """``first``, or the next accumulation in the cycle whose length the config fits (a
    sample with absolute durations, e.g. sequential phases in epochs, may exceed one)."""
    for accumulate in [first, *(a for a in (1, 2, 3) if a != first)]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                S.preview(_optimization(schedule, own), _rhythm_length(accumulate), model=Net())
        except ValueError:
            continue
        return accumulate
    return first


def _lightning_family() -> list[tuple[str, dict[str, Any], Any, int]]:
    """One sample per tag at least, each with a different rhythm: accumulation, epochs,
    warmup, overrides."""
    out, seen = [], set()
    for i, ((tag, schedule, own), accumulate) in enumerate(zip(FAMILY, itertools.cycle([1, 2, 3]))):
        if i % 2 == 0 or schedule.get("warmup") or schedule.get("interval") or tag not in seen:
            seen.add(tag)
            out.append((tag, schedule, own, _fitting_accumulation(schedule, own, accumulate)))
    return out


LIGHTNING_FAMILY = _lightning_family()


@pytest.mark.parametrize(
    "tag,schedule,own,accumulate",
    LIGHTNING_FAMILY,
    ids=[f"{t}-{i}" for i, (t, _, _, _) in enumerate(LIGHTNING_FAMILY)],
)
def test_preview_equals_a_real_lightning_fit(
    tag: str, schedule: dict[str, Any], own: Any, accumulate: int
) -> None:
    if tag == "reduce_lr_on_plateau":
        schedule = {**schedule, "monitor": "train_loss", "patience": 10_000}  # no reduction
        schedule.pop("frequency", None)
    oc = _optimization(schedule, own)
    batches, epochs = _RHYTHMS[accumulate]
    module, seen = _fit(oc, batches=batches, accumulate=accumulate, epochs=epochs)
    spe = -(-batches // accumulate)
    length = S.TrainingLength(steps_per_epoch=spe, total_steps=spe * epochs)
    assert len(seen) == length.total_steps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = S.preview(oc, length, model=module)
    np.testing.assert_allclose(seen, want[:-1], rtol=RTOL, atol=1e-15, err_msg=str(schedule))


def test_the_lightning_family_covers_every_tag_and_rhythm() -> None:
    assert {t for t, _, _, _ in LIGHTNING_FAMILY} == set(BUILTIN_TAGS) - {"per_group"}
    assert {a for _, _, _, a in LIGHTNING_FAMILY} == {1, 2, 3}


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "cosine_annealing_lr", "T_max": 6, "warmup": {"kind": "epochs", "value": 1.5}},
        {
            "name": "reduce_lr_on_plateau",
            "monitor": "train_loss",
            "patience": 10_000,
            "warmup": {"kind": "steps", "value": 9},
        },
        {
            "name": "step_decay",
            "intervals": [
                {"start": 0, "end": 10, "lr": 0.05},
                {"start": 10, "end": 40, "lr": 0.01},
            ],
        },
    ],
    ids=["epoch-warmup", "plateau-warmup", "absolute"],
)
def test_preview_equals_what_learning_rate_monitor_logs(
    tmp_path: Any, schedule: dict[str, Any]
) -> None:
    oc = _optimization(schedule, "inherit")
    module = _Module(oc)
    data = loader(torch.randn(44, 3))
    trainer = monitored_trainer(tmp_path, max_epochs=4, accumulate_grad_batches=2, devices=1)
    quiet_fit(trainer, module, data)
    length = S.TrainingLength(steps_per_epoch=11, total_steps=44)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = S.preview(oc, length, model=module)
    rows = logged_rows(tmp_path)
    names = ["head", "body", "default"]
    logged = {
        int(r["step"]): [float(r[f"lr-SGD/{n}"]) for n in names]
        for r in rows
        if r.get("lr-SGD/head")
    }
    # one row per optimizer step (the batch that starts it), steps 0..43
    assert sorted(logged) == list(range(length.total_steps))
    got = np.array([logged[t] for t in range(length.total_steps)])
    np.testing.assert_allclose(got, want[:-1], rtol=RTOL, atol=1e-15)
