"""Durations (steps, epochs, a fraction of training) and the training length they resolve
against, read from a Lightning ``Trainer`` when there is one (:func:`training_steps`).

A duration becomes a whole number of optimizer steps exactly once, when a scheduler is
created, by :meth:`to_steps`. The rounding rule is *nearest integer, halves rounded up*
(``floor(x + 0.5)``): 2.5 epochs of 3 steps is 8 steps (7.5 rounded up), a fraction 0.3 of
10 steps is 3 steps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import ConfigDict, Field, PositiveInt

from .config.base import Config
from .loading.warn import warn

if TYPE_CHECKING:
    from lightning.pytorch import Trainer

__all__ = [
    "DurationConfig",
    "EpochsConfig",
    "FractionConfig",
    "StepsConfig",
    "TrainingLength",
    "num_training_batches",
    "resolve_length",
    "round_steps",
    "training_steps",
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
    def from_trainer(cls, trainer: Any, *, optimizers: int | None = None) -> TrainingLength:
        """The optimizer steps a Lightning ``Trainer`` will take, per epoch and in total.

        See :func:`training_steps` for the rules (this module is the only one that reads
        Lightning's trainer; it imports ``lightning`` only for type checking).

        Args:
            trainer: The trainer.
            optimizers: Under manual optimization, how many optimizers step once per batch
                (Lightning's ``max_steps`` counts their steps together). Default: the
                trainer's optimizers once it has them; inside ``configure_optimizers``,
                where it does not yet, one — pass the number there
                (:meth:`~nshsched.OptimizersConfig.configure_optimizers` does).
        """
        steps_per_epoch, total_steps = training_steps(trainer, optimizers=optimizers)
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


# ---------------------------------------------------------------------- Lightning

_INF = float("inf")


def num_training_batches(trainer: Trainer) -> int | float:
    """The training batches of one epoch on this process, as Lightning will count them.

    This is Lightning's own count, ``trainer.num_training_batches``: ``limit_train_batches``
    (an int caps, a float scales and floors), ``overfit_batches`` and the distributed sampler
    (each process sees ``ceil(len(dataset) / world_size)`` samples) are applied. Lightning
    computes it when it sets up the train dataloader, which happens *after*
    ``configure_optimizers``; reading ``trainer.estimated_stepping_batches`` sets it up now
    (Lightning's documented way to size a schedule in ``configure_optimizers``; the loader is
    kept, not requested again). Under ``max_epochs=-1`` that property does not load the data,
    so the fit loop's ``setup_data()`` is called, which is what it calls. ``inf`` means no
    length (an iterable dataset); a module without ``training_step`` has 0.
    """
    if trainer.limit_train_batches == 0:
        return 0
    if trainer.train_dataloader is None:
        if trainer.max_epochs is not None and trainer.max_epochs != -1:
            trainer.estimated_stepping_batches  # noqa: B018 (read for its effect: loads the data)
        else:
            trainer.fit_loop.setup_data()
        if trainer.train_dataloader is None:  # no training_step: Lightning sets nothing up
            return 0
    return trainer.num_training_batches


def training_steps(trainer: Trainer, *, optimizers: int | None = None) -> tuple[int, int]:
    """``(steps_per_epoch, total_steps)``: the optimizer steps a Lightning ``Trainer`` will
    take, per epoch and in total.

    Rules (Lightning 2.x):

    - an epoch has ``B`` training batches on each process (see :func:`num_training_batches`:
      ``limit_train_batches``, the distributed sampler's split);
    - with ``accumulate_grad_batches = A`` the optimizer steps every ``A`` batches *and* on the
      last batch of the epoch, so an epoch has ``ceil(B / A)`` optimizer steps (a strategy
      that accumulates by itself, like DeepSpeed, steps on every batch as far as Lightning's
      counters go);
    - the total is ``ceil(B / A) * max_epochs``, capped by ``max_steps`` when it is set; with
      ``max_epochs=-1`` it is ``max_steps``.
    - under manual optimization (``automatic_optimization = False``) a step is a training
      batch (each optimizer steps once per batch; Lightning does not accumulate), and
      Lightning's ``max_steps`` counts the steps of all ``optimizers`` together, so it
      allows ``ceil(max_steps / optimizers)`` batches (3 optimizers and ``max_steps=12``:
      4 batches). ``optimizers`` defaults to the trainer's (``len(trainer.optimizers)``,
      known once ``configure_optimizers`` has returned), else 1;
    - an epoch of unknown length (an iterable dataset) with ``max_steps`` set counts as the
      whole run (a warning says so: ``interval: epoch`` schedules then never advance).

    Raises:
        ValueError: when the length is unknown, infinite or zero, saying which ``Trainer``
            setting to add or change.
    """
    from lightning.pytorch.callbacks import GradientAccumulationScheduler

    if any(
        isinstance(cb, GradientAccumulationScheduler) for cb in getattr(trainer, "callbacks", [])
    ):
        raise ValueError(
            "cannot compute the training length with a GradientAccumulationScheduler callback "
            "(the optimizer steps per epoch change between epochs); use a constant "
            "Trainer(accumulate_grad_batches=...) or give the scheduler durations in steps "
            "and a TrainingLength you build yourself"
        )
    max_epochs = trainer.max_epochs
    max_steps = trainer.max_steps
    if max_epochs is None:  # not set up yet (Trainer resolves None to 1000 or -1)
        max_epochs = -1 if max_steps != -1 else 1000
    if max_epochs == -1 and max_steps == -1:
        raise ValueError(
            "the training length is infinite (Trainer(max_epochs=-1) and no max_steps): "
            "set Trainer(max_steps=N) or a finite Trainer(max_epochs=N)"
        )
    if max_epochs == 0 or max_steps == 0:
        raise ValueError(
            f"the training length is zero ({max_epochs=}, {max_steps=}): set "
            "Trainer(max_epochs) or Trainer(max_steps) to a positive number"
        )

    batches = num_training_batches(trainer)
    accumulate = (
        1 if trainer.strategy.handles_gradient_accumulation else trainer.accumulate_grad_batches
    )
    module = getattr(trainer, "lightning_module", None)
    if module is not None and not getattr(module, "automatic_optimization", True):
        accumulate = 1
        if optimizers is None:
            optimizers = len(getattr(trainer, "optimizers", None) or ()) or 1
        if max_steps != -1:
            max_steps = math.ceil(max_steps / optimizers)
    if batches == _INF:
        if max_steps == -1:
            raise ValueError(
                "the number of training batches per epoch is unknown (the train dataloader has "
                "no length, e.g. an IterableDataset): set Trainer(max_steps=N)"
            )
        warn(
            "the train dataloader has no length, so an epoch is taken to be the whole run "
            f"({max_steps} steps, from Trainer(max_steps)): schedules with interval 'epoch' "
            "will not advance; give durations in steps or fractions",
            UserWarning,
        )
        return max_steps, max_steps
    if batches <= 0:
        raise ValueError(
            f"there are no training batches ({batches=}, limit_train_batches="
            f"{trainer.limit_train_batches!r}): give the train dataloader data or raise "
            "Trainer(limit_train_batches)"
        )
    steps_per_epoch = math.ceil(int(batches) / accumulate)
    if max_epochs == -1:
        total = max_steps
    else:
        total = steps_per_epoch * max_epochs
        if max_steps != -1:
            total = min(total, max_steps)
    return steps_per_epoch, total
