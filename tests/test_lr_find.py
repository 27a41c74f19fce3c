"""``S.lr_find``: a real tiny Lightning model on CPU, group ratios kept, everything restored."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
import torch
from lightning.pytorch import LightningModule
from torch.utils.data import DataLoader, TensorDataset

import nshsched as S
from _helpers.processes import output_of, run_code
from nshsched.integrations.lr_finder import suggest_lr


class Regressor(LightningModule):
    """y = x @ w: a linear body and head; records the LRs each optimizer step used."""

    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Linear(4, 4)
        self.head = torch.nn.Linear(4, 1)
        self.seen: list[dict[str, float]] = []

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.head(self.body(x)).squeeze(-1), y)
        self.log("train_loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer: Any) -> None:
        self.seen.append({g["name"]: float(g["lr"]) for g in optimizer.param_groups})

    def configure_optimizers(self) -> Any:  # the user's own: lr_find must not use or lose it
        return torch.optim.SGD(self.parameters(), lr=123.0)


def loader(n: int = 64, batch: int = 64) -> DataLoader:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    return DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, generator=g)


CONFIG = S.OptimizationConfig.model_validate(
    {
        "optimizer": {"name": "sgd", "lr": 0.01},
        "scheduler": {"name": "cosine", "warmup": {"kind": "fraction", "value": 0.5}},
        "param_groups": [
            {"name": "head", "params": ["head.*"], "lr_scale": 10.0},
            {"name": "bias", "params": ["body.bias"], "lr": 0.002},
        ],
    }
)


def test_sweep_keeps_group_ratios_and_restores_everything() -> None:
    torch.manual_seed(0)
    model = Regressor()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    rng = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    py_state = random.getstate()

    result = S.lr_find(
        CONFIG, model, loader(), min_lr=1e-4, max_lr=1e-1, num_steps=20, early_stop_threshold=None
    )

    # 20 steps of one full batch each (20 epochs): no early stop asked for
    assert len(result.lrs) == len(result.losses) == 20
    expected = [1e-4 * 1000 ** (k / 19) for k in range(20)]  # lr_k = min (max/min)^(k/(n-1))
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    assert result.lrs[0] == pytest.approx(1e-4, rel=1e-12) and result.lrs[-1] == pytest.approx(
        0.1, rel=1e-12
    )
    # every group kept its ratio to the optimizer's lr (0.01): default 1x, head 10x, bias 0.2x
    assert len(model.seen) == 20
    for k, lrs in enumerate(model.seen):
        assert lrs["default"] == pytest.approx(expected[k], rel=1e-12)
        assert lrs["head"] == pytest.approx(10 * expected[k], rel=1e-12)
        assert lrs["bias"] == pytest.approx(0.2 * expected[k], rel=1e-12)
    assert np.all(np.isfinite(result.losses))
    assert result.suggestion is not None and 1e-4 <= result.suggestion <= 1e-1
    assert not result.diverged
    # restored: weights, mode, trainer reference, the module's own configure_optimizers, RNG
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model.training
    assert model._trainer is None
    assert model.configure_optimizers().defaults["lr"] == 123.0
    assert "configure_optimizers" not in vars(model)
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state


def test_divergence_stops_the_sweep_early() -> None:
    torch.manual_seed(0)
    model = Regressor()
    result = S.lr_find(CONFIG, model, loader(), min_lr=1e-3, max_lr=1e3, num_steps=60)
    assert result.diverged
    assert 3 <= len(result.losses) < 60
    assert result.lrs[-1] < 1e3


def test_apply_scales_the_optimizer_and_group_lrs_by_one_factor() -> None:
    result = S.LRFindResult(
        lrs=np.array([1e-3, 1e-2]), losses=np.array([1.0, 0.5]), suggestion=0.05
    )
    new = result.apply(CONFIG)
    assert new.optimizer.lr == 0.05  # type: ignore[attr-defined]
    groups = {g.name: g for g in new.param_groups}
    assert groups["head"].lr_scale == 10.0 and groups["head"].lr is None  # relative: follows
    assert groups["bias"].lr == pytest.approx(0.002 * 5, rel=1e-12)  # own lr: x (0.05 / 0.01)
    assert new.scheduler == CONFIG.scheduler
    assert CONFIG.optimizer.lr == 0.01  # type: ignore[attr-defined]  # the original is untouched
    with pytest.raises(ValueError, match=r"lr_find made no suggestion .*raise num_steps"):
        S.LRFindResult(lrs=np.array([1e-3]), losses=np.array([1.0]), suggestion=None).apply(CONFIG)


def test_suggestion_is_a_tenth_of_the_lr_at_the_smoothed_minimum() -> None:
    lrs = np.logspace(-5, 0, 51)  # 10 points per decade
    x = np.log10(lrs)
    smoothed = 0.02 + (x + 1) ** 2  # lowest at lr = 1e-1
    assert suggest_lr(lrs, smoothed) == pytest.approx(1e-2, rel=1e-9)
    # a non-finite value ends the usable part: the minimum before it counts
    diverging = smoothed.copy()
    diverging[35:] = np.inf  # before lr = 1e-1.5: the lowest finite point is index 34
    assert suggest_lr(lrs, diverging) == pytest.approx(lrs[34] / 10, rel=1e-9)
    # never below the first LR of the sweep
    assert suggest_lr(lrs, 0.02 + (x + 4.9) ** 2) == pytest.approx(1e-5, rel=1e-9)
    assert suggest_lr(lrs[:2], smoothed[:2]) is None  # too short
    assert suggest_lr(lrs, 1.0 + x + 5) is None  # lowest at the first step: never fell


def test_plot_draws_loss_against_lr() -> None:
    import matplotlib

    matplotlib.use("Agg")
    result = S.LRFindResult(
        lrs=np.logspace(-4, -1, 10),
        losses=np.linspace(2, 1, 10),
        suggestion=1e-3,
        smoothed=np.linspace(2, 1, 10),
    )
    fig = result.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel().startswith("learning rate")
    np.testing.assert_allclose(ax.lines[0].get_xdata(), result.lrs)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), result.losses)
    assert any("suggestion" in t.get_text() for t in ax.get_legend().get_texts())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_lr": 0}, "min_lr must be a finite number > 0, got 0"),
        ({"min_lr": math.nan}, "min_lr must be a finite number > 0, got nan"),
        ({"max_lr": 1e-9}, r"max_lr must be > min_lr, got min_lr=1e-08, max_lr=1e-09"),
        ({"num_steps": 1}, "num_steps must be an int >= 2, got 1"),
        ({"num_steps": True}, "num_steps must be an int >= 2, got True"),
        ({"early_stop_threshold": 0.5}, "early_stop_threshold must be > 1 or None, got 0.5"),
        ({"trainer_kwargs": {"max_steps": 3}}, r"trainer_kwargs may not set \['max_steps'\]"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        S.lr_find(CONFIG, Regressor(), loader(), **kwargs)


def test_an_optimizer_without_a_positive_lr_is_refused() -> None:
    zero = CONFIG.model_copy(update={"optimizer": S.SGDConfig(lr=0.0)})
    with pytest.raises(
        ValueError,
        match=r"lr_find: the config's optimizer \(SGDConfig\) needs an lr > 0 to scale, got lr=0.0",
    ):
        S.lr_find(zero, Regressor(), loader())
    result = S.LRFindResult(lrs=np.array([1e-3]), losses=np.array([1.0]), suggestion=0.1)
    with pytest.raises(
        ValueError, match=r"apply: the config's optimizer \(SGDConfig\) needs an lr > 0"
    ):
        result.apply(zero)


def test_not_a_lightning_module_and_manual_optimization() -> None:
    with pytest.raises(TypeError, match="lr_find needs a LightningModule, got Linear"):
        S.lr_find(CONFIG, torch.nn.Linear(2, 2), loader())
    model = Regressor()
    model.automatic_optimization = False
    with pytest.raises(ValueError, match="lr_find needs automatic optimization"):
        S.lr_find(CONFIG, model, loader())


def test_lazy_export_does_not_import_lightning() -> None:
    code = (
        "import nshsched, sys\n"
        "nshsched.lr_find, nshsched.LRFindResult\n"
        "assert 'lightning' not in sys.modules and 'torch' not in sys.modules\n"
    )
    output_of(run_code(code))


def test_the_modules_own_train_dataloader_and_gradient_accumulation() -> None:
    class WithData(Regressor):
        def train_dataloader(self) -> DataLoader:
            return loader(n=64, batch=16)  # 4 batches, 2 per optimizer step

    torch.manual_seed(0)
    model = WithData()
    result = S.lr_find(
        CONFIG,
        model,
        min_lr=1e-4,
        max_lr=1e-2,
        num_steps=6,
        early_stop_threshold=None,
        trainer_kwargs={"accumulate_grad_batches": 2},
    )
    assert len(result.losses) == 6  # one loss per optimizer step (the mean of its 2 batches)
    assert len(model.seen) == 6
    np.testing.assert_allclose([s["head"] for s in model.seen], 10 * result.lrs, rtol=1e-12)
