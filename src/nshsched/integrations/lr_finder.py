"""An LR range test that keeps each param group's ratio to the optimizer's LR.

:func:`lr_find` trains a Lightning module for a few steps while the optimizer's default LR
grows exponentially, records the loss, and puts everything back as it was. Unlike Lightning's
own ``Tuner.lr_find``, which gives every param group the same LR, every group here keeps its
configured ratio to the optimizer's ``lr`` (a head at ``lr_scale: 10`` stays 10 times
higher), and :meth:`LRFindResult.apply` writes the suggestion back into the config.

Lightning is imported when :func:`lr_find` runs, not when this module is imported.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..groups.optimization import OptimizationConfig

__all__ = ["LRFindResult", "lr_find"]

_SMOOTHING = 0.9
"""Weight of the past in the loss's exponential moving average (bias-corrected)."""


@dataclass(frozen=True)
class LRFindResult:
    """What :func:`lr_find` measured.

    Attributes:
        lrs: The optimizer's default LR at each recorded optimizer step (groups ran at their
            own ratio of it).
        losses: The training loss at each of those steps (the mean over the batches of the
            step, before the step's update).
        suggestion: The suggested default LR: a tenth of the LR at which the smoothed loss
            is lowest (see :func:`suggest_lr`); ``None`` when there is nothing to suggest.
        diverged: Whether the sweep stopped early because the loss diverged.
    """

    lrs: np.ndarray
    losses: np.ndarray
    suggestion: float | None
    diverged: bool = False
    smoothed: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    """The bias-corrected exponential moving average of ``losses`` the suggestion uses."""

    def apply(self, config: OptimizationConfig) -> OptimizationConfig:
        """``config`` with the optimizer's ``lr`` set to :attr:`suggestion`, and each param
        group's own ``lr`` scaled by the same factor (``lr_scale`` groups follow by
        themselves). Absolute LRs inside the schedule (``eta_min``, ``lr_min``...) are kept.

        Raises:
            ValueError: There is no suggestion, or the config's ``lr`` is not positive.
        """
        if self.suggestion is None:
            raise ValueError(
                f"lr_find made no suggestion ({len(self.lrs)} steps recorded{', diverged' if self.diverged else ''}): "
                "raise num_steps or widen min_lr..max_lr, or pick an lr from result.plot()"
            )
        old = _optimizer_lr(config, "apply")
        factor = self.suggestion / old
        data = config.model_dump(mode="python")
        data["optimizer"]["lr"] = self.suggestion
        for group in data.get("param_groups", []):
            if group.get("lr") is not None:
                group["lr"] = group["lr"] * factor
        return type(config).model_validate(data)

    def plot(self, ax: Any = None, *, suggest: bool = True) -> Any:
        """Loss against LR (log scale), the smoothed loss and the suggestion; returns the
        matplotlib ``Figure``.

        Raises:
            ImportError: matplotlib is not installed (``pip install -e ".[plot]"``).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - matplotlib is in the dev extra
            raise ImportError(
                'LRFindResult.plot needs matplotlib: pip install -e ".[plot]"'
            ) from exc
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.0, 3.2))
        else:
            fig = ax.figure
        ax.plot(self.lrs, self.losses, color="0.7", linewidth=1.0, label="loss")
        if len(self.smoothed):
            ax.plot(self.lrs, self.smoothed, linewidth=1.8, label="smoothed")
        if suggest and self.suggestion is not None:
            ax.axvline(
                self.suggestion,
                color="C3",
                linestyle="--",
                linewidth=1.2,
                label=f"suggestion {self.suggestion:.2g}",
            )
        ax.set_xscale("log")
        finite = self.losses[np.isfinite(self.losses)]
        if len(finite) and len(self.smoothed) == len(self.losses):
            # Up to the smoothed minimum and a margin above: a divergent tail is cut off.
            best = int(np.nanargmin(self.smoothed)) if np.isfinite(self.smoothed).any() else 0
            top = float(np.nanmax([*self.smoothed[: best + 1], finite[0]]))
            bottom = float(finite.min())
            if math.isfinite(top) and top > bottom:
                ax.set_ylim(bottom - 0.05 * (top - bottom), top + 0.25 * (top - bottom))
        ax.set_xlabel("learning rate (optimizer default)")
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig


def _optimizer_lr(config: Any, where: str) -> float:
    """The config's ``optimizer.lr``, checked: what the sweep and ``apply`` scale."""
    lr = getattr(config.optimizer, "lr", None)
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"{where}: the config's optimizer ({type(config.optimizer).__name__}) needs an lr "
            f"> 0 to scale, got lr={lr!r}"
        )
    return float(lr)


def _smooth(losses: np.ndarray) -> np.ndarray:
    out = np.empty_like(losses)
    avg = 0.0
    for i, x in enumerate(losses):
        avg = _SMOOTHING * avg + (1 - _SMOOTHING) * x
        out[i] = avg / (1 - _SMOOTHING ** (i + 1))
    return out


def suggest_lr(lrs: np.ndarray, smoothed: np.ndarray) -> float | None:
    """A tenth of the LR at which ``smoothed`` is lowest (before any non-finite value): the
    largest LR safely below the point where the loss stops improving. ``None`` with fewer
    than 3 finite points or when the loss is lowest at the very first step (it never fell).
    """
    finite = np.isfinite(smoothed)
    n = int(np.argmin(finite)) if not finite.all() else len(smoothed)
    if n < 3:
        return None
    best = int(np.argmin(smoothed[:n]))
    if best == 0:
        return None
    return float(max(lrs[0], lrs[best] / 10))


@contextlib.contextmanager
def _restored(module: Any) -> Iterator[None]:
    """Put back the module's weights, gradients, device, mode, trainer reference and the
    global random states (torch, numpy, random) afterwards."""
    import torch

    state = copy.deepcopy(module.state_dict())
    grads = {
        n: (None if p.grad is None else p.grad.detach().clone())
        for n, p in module.named_parameters()
    }
    devices = {p.device for p in module.parameters()}
    training = module.training
    try:
        trainer = module.trainer
    except RuntimeError:  # "... is not attached to a `Trainer`"
        trainer = None
    had_own = "configure_optimizers" in vars(module)
    own = vars(module).get("configure_optimizers")
    rng = (torch.get_rng_state(), np.random.get_state(), random.getstate())
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    try:
        yield
    finally:
        if len(devices) == 1:
            module.to(next(iter(devices)))
        module.load_state_dict(state)
        for n, p in module.named_parameters():
            p.grad = grads.get(n)
        module.train(training)
        module.trainer = trainer  # the public setter: also puts back its child modules' trainer
        if had_own:
            module.configure_optimizers = own
        else:
            vars(module).pop("configure_optimizers", None)
        torch.set_rng_state(rng[0])
        np.random.set_state(rng[1])
        random.setstate(rng[2])
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)


def _loss_of(outputs: Any) -> float | None:
    if isinstance(outputs, Mapping):
        outputs = outputs.get("loss")
    if outputs is None:
        return None
    return float(outputs.detach()) if hasattr(outputs, "detach") else float(outputs)


def lr_find(
    config: OptimizationConfig,
    lightning_module: Any,
    train_dataloaders: Any = None,
    min_lr: float = 1e-8,
    max_lr: float = 1.0,
    num_steps: int = 100,
    *,
    early_stop_threshold: float | None = 4.0,
    trainer_kwargs: Mapping[str, Any] | None = None,
) -> LRFindResult:
    """Sweep the optimizer's LR exponentially and record the training loss (an LR range test).

    For optimizer step :math:`k = 0, ..., n - 1` the optimizer's default LR is
    :math:`lr_k = lr_{min} (lr_{max} / lr_{min})^{k / (n - 1)}` and every param group runs at
    :math:`lr_k \\cdot lr_g / lr` — its configured LR :math:`lr_g` keeps its ratio to the
    config's ``optimizer.lr``. The config's schedule is not used. The sweep stops early when
    the smoothed loss exceeds ``early_stop_threshold`` times its best value, or is not finite.

    The module is trained by a real Lightning ``Trainer`` (its ``training_step``, gradient
    accumulation and precision as ``trainer_kwargs`` set them; no logger, checkpoints or
    validation). Afterwards the module's weights, gradients, device, train/eval mode and
    trainer reference and the global random states are restored; other attributes its hooks
    change are not.

    Args:
        config: The optimization config whose optimizer and param groups are swept.
        lightning_module: A ``LightningModule`` with automatic optimization.
        train_dataloaders: What ``Trainer.fit`` takes (``None``: the module's own).
        min_lr: The default LR of the first step, > 0.
        max_lr: The default LR of the last step, > ``min_lr``.
        num_steps: Optimizer steps of the sweep, >= 2 (the data loader repeats if shorter).
        early_stop_threshold: Stop when the smoothed loss exceeds this multiple of its best
            (``None``: never stop early).
        trainer_kwargs: Extra ``lightning.Trainer`` arguments (``accelerator``,
            ``precision``, ``accumulate_grad_batches``...).

    Returns:
        The LRs, losses and suggestion: :class:`LRFindResult`.

    Raises:
        ValueError: A bad argument (named with its value), a non-positive optimizer ``lr``,
            or a module with manual optimization.
    """
    from lightning.pytorch import Callback, LightningModule, Trainer

    for name, value in (("min_lr", min_lr), ("max_lr", max_lr)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ValueError(f"lr_find: {name} must be a finite number > 0, got {value!r}")
    if not max_lr > min_lr:
        raise ValueError(f"lr_find: max_lr must be > min_lr, got {min_lr=}, {max_lr=}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"lr_find: num_steps must be an int >= 2, got {num_steps!r}")
    if early_stop_threshold is not None and not early_stop_threshold > 1:
        raise ValueError(
            f"lr_find: early_stop_threshold must be > 1 or None, got {early_stop_threshold!r}"
        )
    if not isinstance(lightning_module, LightningModule):
        raise TypeError(f"lr_find needs a LightningModule, got {type(lightning_module).__name__}")
    if not lightning_module.automatic_optimization:
        raise ValueError(
            "lr_find needs automatic optimization (the module sets automatic_optimization = False)"
        )
    default_lr = _optimizer_lr(config, "lr_find")
    extra = dict(trainer_kwargs or {})
    reserved = {"max_steps", "max_epochs", "callbacks", "logger", "enable_checkpointing"} & set(
        extra
    )
    if reserved:
        raise ValueError(
            f"lr_find: trainer_kwargs may not set {sorted(reserved)} (lr_find sets them)"
        )

    sweep = [min_lr * (max_lr / min_lr) ** (k / (num_steps - 1)) for k in range(num_steps)]
    losses: dict[int, list[float]] = {}
    run: dict[str, Any] = {"diverged": False}

    def configure_optimizers() -> Any:
        optimizer = config.create_optimizer(lightning_module)
        run["optimizer"] = optimizer
        run["ratios"] = [float(g["lr"]) / default_lr for g in optimizer.param_groups]
        return optimizer

    class _Sweep(Callback):
        def on_train_batch_start(
            self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int
        ) -> None:
            k = trainer.global_step
            run["k"] = k
            if k >= num_steps:
                return
            for group, ratio in zip(run["optimizer"].param_groups, run["ratios"]):
                value = sweep[k] * ratio
                if hasattr(group["lr"], "fill_"):
                    group["lr"].fill_(value)
                else:
                    group["lr"] = value

        def on_train_batch_end(
            self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
        ) -> None:
            loss = _loss_of(outputs)
            if loss is None:
                return
            losses.setdefault(run["k"], []).append(loss)
            if early_stop_threshold is None:
                return
            series = np.array([np.mean(v) for _, v in sorted(losses.items())])
            smooth = _smooth(series)
            if not math.isfinite(smooth[-1]) or smooth[-1] > early_stop_threshold * np.nanmin(
                smooth
            ):
                run["diverged"] = True
                trainer.should_stop = True

    root = tempfile.mkdtemp(prefix="nshsched-lr-find-")
    try:
        with _restored(lightning_module):
            lightning_module.configure_optimizers = configure_optimizers  # type: ignore[method-assign]
            lightning_module.train()  # the sweep measures training (dropout etc.)
            trainer = Trainer(
                max_steps=num_steps,
                max_epochs=-1,
                callbacks=[_Sweep()],
                logger=False,
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                num_sanity_val_steps=0,
                limit_val_batches=0,
                default_root_dir=root,
                **extra,
            )
            trainer.fit(lightning_module, train_dataloaders=train_dataloaders)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    steps = sorted(k for k in losses if k < num_steps)
    lrs = np.array([sweep[k] for k in steps], dtype=float)
    values = np.array([np.mean(losses[k]) for k in steps], dtype=float)
    smoothed = _smooth(values) if len(values) else values
    return LRFindResult(
        lrs=lrs,
        losses=values,
        suggestion=suggest_lr(lrs, smoothed),
        diverged=run["diverged"],
        smoothed=smoothed,
    )
