"""Turning a scheduler config into Lightning's ``lr_scheduler`` dict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..duration import TrainingLength

if TYPE_CHECKING:
    from torch.optim import Optimizer

    from .base import LRSchedulerConfigBase

__all__ = ["build_scheduler_dict", "resolve_length"]


def resolve_length(lightning_module_or_length: Any) -> TrainingLength:
    """A :class:`TrainingLength` as given, or read from a LightningModule's trainer."""
    if isinstance(lightning_module_or_length, TrainingLength):
        return lightning_module_or_length
    trainer = getattr(lightning_module_or_length, "trainer", None)
    if trainer is None:
        raise TypeError(
            "expected a TrainingLength or a LightningModule attached to a Trainer, got "
            f"{type(lightning_module_or_length).__name__}"
        )
    return TrainingLength.from_trainer(trainer)


def build_scheduler_dict(
    config: LRSchedulerConfigBase, optimizer: Optimizer, lightning_module_or_length: Any
) -> dict[str, Any]:
    """Build ``config``'s scheduler and wrap it in Lightning's scheduler dict."""
    from ._runtime import EveryNScheduler
    from .base import ClosedFormLRSchedulerConfigBase

    length = resolve_length(lightning_module_or_length)
    md = config.resolved_metadata()
    impl = config.create_scheduler_impl(optimizer, length)
    out: dict[str, Any] = dict(impl) if isinstance(impl, dict) else {"scheduler": impl}
    scheduler = out["scheduler"]
    frequency = md.get("frequency", 1)
    if md["interval"] == "step":
        if frequency > 1 and not isinstance(config, ClosedFormLRSchedulerConfigBase):
            out["scheduler"] = EveryNScheduler(scheduler, frequency)
        frequency = 1  # applied inside the scheduler, in optimizer steps
    out["interval"] = md["interval"]
    out["frequency"] = frequency
    for key in ("monitor", "reduce_on_plateau", "strict", "name"):
        if key in md:
            out[key] = md[key]  # type: ignore[literal-required]
    return out
