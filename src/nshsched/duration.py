"""Durations (steps, epochs, a fraction of training) and the training length they resolve against.

A duration becomes a whole number of optimizer steps exactly once, when a scheduler is
created, by :meth:`to_steps`. The rounding rule is *nearest integer, halves rounded up*
(``floor(x + 0.5)``): 2.5 epochs of 3 steps is 8 steps (7.5 rounded up), a fraction 0.3 of
10 steps is 3 steps.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import ConfigDict, Field, PositiveInt

from .config.base import Config

__all__ = [
    "DurationConfig",
    "EpochsConfig",
    "FractionConfig",
    "StepsConfig",
    "TrainingLength",
    "resolve_length",
    "round_steps",
]


def round_steps(x: float) -> int:
    """Round a step count to the nearest integer, halves up (the one rounding rule)."""
    return math.floor(x + 0.5)


class TrainingLength(Config):
    """How long training is, in optimizer steps: what every duration is resolved against.

    Example:
        >>> from nshsched import EpochsConfig, FractionConfig, TrainingLength
        >>> length = TrainingLength(steps_per_epoch=100, total_steps=1000)
        >>> EpochsConfig(value=2.5).to_steps(length), FractionConfig(value=0.1).to_steps(length)
        (250, 100)
    """

    model_config = ConfigDict(frozen=True)

    steps_per_epoch: PositiveInt
    """Optimizer steps in one epoch (after gradient accumulation)."""

    total_steps: PositiveInt
    """Optimizer steps in the whole training run."""

    @property
    def epochs(self) -> float:
        """The number of epochs, possibly fractional."""
        return self.total_steps / self.steps_per_epoch

    @classmethod
    def from_trainer(cls, trainer: Any) -> TrainingLength:
        """The optimizer steps a Lightning ``Trainer`` will take, per epoch and in total.

        See :func:`nshsched.lightning.training_steps` for the rules.
        """
        from .lightning import training_steps

        steps_per_epoch, total_steps = training_steps(trainer)
        return cls(steps_per_epoch=steps_per_epoch, total_steps=total_steps)


class StepsConfig(Config):
    """A number of optimizer steps."""

    kind: Literal["steps"] = "steps"
    value: Annotated[int, Field(ge=0)]
    """Optimizer steps (after gradient accumulation); at most 2**53."""

    def to_steps(self, length: TrainingLength) -> int:
        """This duration in optimizer steps."""
        return self.value


class EpochsConfig(Config):
    """A number of epochs, converted with the steps per epoch."""

    kind: Literal["epochs"] = "epochs"
    value: Annotated[float, Field(ge=0, le=2**53)]
    """Epochs; may be fractional (``0.5`` is half an epoch); at most 2**53."""

    def to_steps(self, length: TrainingLength) -> int:
        """This duration in optimizer steps: ``round(value * steps_per_epoch)``."""
        return round_steps(self.value * length.steps_per_epoch)


class FractionConfig(Config):
    """A fraction of the whole training length."""

    kind: Literal["fraction"] = "fraction"
    value: Annotated[float, Field(ge=0, le=1)]
    """Fraction of all optimizer steps, in [0, 1]."""

    def to_steps(self, length: TrainingLength) -> int:
        """This duration in optimizer steps: ``round(value * total_steps)``."""
        return round_steps(self.value * length.total_steps)


DurationConfig: TypeAlias = Annotated[
    StepsConfig | EpochsConfig | FractionConfig, Field(discriminator="kind")
]
"""A duration: ``{kind: steps|epochs|fraction, value: ...}``."""


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
