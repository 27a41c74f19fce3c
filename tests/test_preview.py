"""``preview`` equals the real scheduler stepped as Lightning steps it, for every registered config."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import nshsched as S
from _helpers.stepping import group_optimizer, stepped_as_lightning


def steps(n: int) -> dict[str, Any]:
    return {"kind": "steps", "value": n}


def epochs(n: float) -> dict[str, Any]:
    return {"kind": "epochs", "value": n}


def frac(v: float) -> dict[str, Any]:
    return {"kind": "fraction", "value": v}


# Every built-in tag needs at least one sample here: the test fails for a registered config
# without one, so a new config cannot silently skip the preview check. Several samples per tag
# cover warmup, interval and frequency overrides.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "constant": [{}],
    "constant_lr": [
        {"factor": 0.5, "total_iters": 3},
        {"factor": 0.5, "total_iters": 3, "interval": "step", "frequency": 4, "warmup": steps(5)},
    ],
    "constant_with_warmup": [{"warmup": frac(0.2)}, {"warmup": 0, "frequency": 3}],
    "cosine": [{"warmup": steps(5)}, {"warmup": epochs(1), "total": 40, "num_cycles": 1.5}],
    "cosine_annealing_lr": [
        {"T_max": 5, "eta_min": 0.01},
        {"T_max": 20, "interval": "step", "frequency": 3},
        {"T_max": 3, "frequency": 2, "warmup": epochs(2)},
        {"T_max": frac(0.5)},
    ],
    "cosine_annealing_warm_restarts": [
        {"T_0": 2, "T_mult": 2, "eta_min": 0.001},
        {"T_0": 7, "interval": "step", "frequency": 2},
    ],
    "cosine_with_min_lr": [{"warmup": steps(5), "min_lr_rate": 0.1}, {"min_lr": 0.001}],
    "cosine_warmup_with_min_lr": [
        {"warmup": steps(5), "min_lr_rate": 0.1},
        {"num_warmup_steps": 5, "num_training_steps": 50, "min_lr_rate": 0.1},
        {"warmup_ratio": 0.15, "min_lr": 0.001, "warmup_lr_rate": 0.2, "total": 40},
    ],
    "cosine_with_restarts": [{"num_cycles": 3, "warmup": steps(4)}],
    "cyclic_lr": [
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5},
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range", "gamma": 0.9},
    ],
    "exponential_decay": [
        {
            "intervals": [
                {"start": 0, "end": 20, "init_lr": 0.5, "decay_rate": 0.8, "decay_interval": 3},
                {
                    "start": 20,
                    "end": frac(1.0),
                    "init_lr": 0.1,
                    "decay_rate": 0.5,
                    "decay_interval": epochs(1),
                },
            ]
        }
    ],
    "exponential_lr": [{"gamma": 0.8}, {"gamma": 0.95, "interval": "step", "warmup": frac(0.1)}],
    "inverse_sqrt": [{"warmup": steps(4)}, {"warmup": steps(0), "timescale": 5}],
    "linear": [
        {"warmup": steps(3)},
        {"warmup": steps(3), "total": 30},
        {"warmup_ratio": 0.07, "num_training_steps": 50},
    ],
    "linear_lr": [{"start_factor": 0.25, "total_iters": 4}],
    "linear_warmup_cosine_annealing": [
        {"warmup_epochs": 2, "max_epochs": 8, "warmup_start_lr": 0.001, "eta_min": 0.0001},
        {"warmup_epochs": 5, "max_epochs": 50, "interval": "step"},
    ],
    "linear_warmup_cosine_decay": [
        {"warmup_duration": steps(5), "max_duration": steps(50), "min_lr_factor": 0.1},
        {
            "warmup_duration": steps(4),
            "max_duration": steps(20),
            "warmup_start_lr_factor": 0.1,
            "annealing": True,
        },
    ],
    "multi_step_lr": [{"milestones": [2, 5], "gamma": 0.5}],
    "one_cycle_lr": [{"max_lr": 0.5}, {"max_lr": 2.0, "three_phase": True, "pct_start": 0.4}],
    "per_group": [
        {
            "default": {"name": "cosine", "warmup": steps(3)},
            "groups": {"head": {"name": "step_lr", "step_size": 2, "gamma": 0.5}},
        },
        {
            "default": {"name": "reduce_lr_on_plateau", "monitor": "val", "warmup": epochs(1)},
            "groups": {"head": {"name": "linear_lr", "start_factor": 0.5, "total_iters": 3}},
        },
        {"groups": {"encoder": None}, "default": {"name": "linear"}},
    ],
    "polynomial": [{"warmup": steps(4), "lr_end": 1e-4, "power": 2.0}],
    "polynomial_lr": [{"total_iters": 6, "power": 2.0}],
    "reduce_lr_on_plateau": [
        {"monitor": "val"},
        {"monitor": "val", "warmup": epochs(2), "frequency": 2},
    ],
    "sequential": [
        {
            "phases": [
                {"schedule": {"name": "constant_with_warmup", "warmup": frac(1.0)}, "duration": 6},
                {"schedule": {"name": "cosine_annealing_lr", "T_max": 3}, "duration": epochs(4)},
                {"schedule": {"name": "linear"}},
            ]
        },
        {
            "phases": [{"schedule": {"name": "step_lr", "step_size": 1}, "duration": 30}],
            "frequency": 4,
        },
    ],
    "step_decay": [
        {
            "intervals": [
                {"start": 0, "end": 10, "lr": 0.3},
                {"start": 10, "end": frac(0.9), "lr": 0.03},
            ]
        }
    ],
    "step_lr": [
        {"step_size": 2, "gamma": 0.5},
        {"step_size": 5, "interval": "step", "frequency": 2},
    ],
    "timm_cosine": [
        {"t_initial": 5, "lr_min": 0.01, "warmup_t": 2, "warmup_lr_init": 0.001},
        {"t_initial": 20, "cycle_mul": 2.0, "cycle_limit": 3, "t_in_epochs": False},
    ],
    "timm_multistep": [{"decay_t": [2, 5], "decay_rate": 0.5, "warmup_t": 1}],
    "timm_poly": [{"t_initial": 30, "t_in_epochs": False, "lr_min": 0.02, "frequency": 2}],
    "timm_step": [{"decay_t": 2.5, "decay_rate": 0.7, "warmup_t": epochs(1)}],
    "timm_tanh": [
        {"t_initial": 6, "lr_min": 0.005},
        {"t_initial": frac(0.5), "warmup_t": 5, "warmup_lr_init": 0.01, "t_in_epochs": False},
    ],
    "warmup_cosine": [{"warmup_epochs": 2, "T_max": 7, "eta_min": 0.01}],
    "warmup_stable_decay": [
        {"warmup": steps(5), "decay": steps(20)},
        {
            "warmup": frac(0.1),
            "decay": frac(0.3),
            "warmup_type": "cosine",
            "decay_type": "linear",
            "min_lr_ratio": 0.1,
        },
    ],
}

# Configs registered by the test suite itself (user-style examples) are not built-ins.
BUILTIN_TAGS = [
    tag
    for tag in S.lr_scheduler_registry.tags()
    if S.lr_scheduler_registry.get(tag).__module__.startswith("nshsched.")
]
LENGTH = S.TrainingLength(steps_per_epoch=7, total_steps=60)  # 8 epochs and a partial one
BASE_LRS = {"encoder": 0.1, "head": 1.0}


def lightning_stepped(config: S.LRSchedulerConfigBase, length: S.TrainingLength) -> np.ndarray:
    """Every group's LR at optimizer steps 0..total, stepping each scheduler dict as Lightning
    does: ``interval: step`` after every optimizer step, ``interval: epoch`` at the end of every
    ``frequency``-th epoch, a plateau scheduler with a steadily improving metric."""
    optimizer = group_optimizer(BASE_LRS, momentum=0.9)
    return stepped_as_lightning(optimizer, config.create_schedulers(optimizer, length), length)


@pytest.mark.parametrize("tag", BUILTIN_TAGS)
def test_preview_equals_the_scheduler_stepped_as_lightning_does(tag: str) -> None:
    assert SAMPLES.get(tag), (
        f"no sample config for the registered scheduler {tag!r}: add one to SAMPLES"
    )
    for sample in SAMPLES[tag]:
        config = S.lr_scheduler_registry.construct({"name": tag, **sample})
        preview = S.preview(config, LENGTH, BASE_LRS)
        assert preview.shape == (LENGTH.total_steps + 1, len(BASE_LRS))
        assert np.all(np.isfinite(preview))
        expected = lightning_stepped(config, LENGTH)
        np.testing.assert_allclose(preview, expected, rtol=1e-12, atol=1e-15, err_msg=f"{sample}")
        # The same config from a mapping, and a plain list of base LRs when names don't matter.
        if tag != "per_group":
            np.testing.assert_array_equal(
                S.preview(config.model_dump(), LENGTH, list(BASE_LRS.values())), preview
            )


def test_preview_of_six_million_steps_is_fast() -> None:
    config = S.lr_scheduler_registry.construct({"name": "cosine", "warmup": frac(0.01)})
    length = S.TrainingLength(steps_per_epoch=6000, total_steps=6_000_000)
    S.preview(config, S.TrainingLength(steps_per_epoch=10, total_steps=100))  # warm caches
    elapsed = float("inf")
    for _ in range(3):  # best of 3: the CI machine may be busy for a moment
        start = time.perf_counter()
        out = S.preview(config, length, [3e-4])
        elapsed = min(elapsed, time.perf_counter() - start)
        if elapsed < 1.0:
            break
    assert out.shape == (6_000_001, 1)
    assert out[60_000, 0] == pytest.approx(3e-4)
    assert out[-1, 0] == pytest.approx(0.0, abs=1e-15)
    assert elapsed < 3.0, f"preview of 6M steps took {elapsed:.2f} s"


def test_preview_errors() -> None:
    with pytest.raises(ValueError, match="at least one base LR"):
        S.preview({"name": "constant"}, LENGTH, [])
