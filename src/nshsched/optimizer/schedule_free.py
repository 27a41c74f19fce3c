"""Schedule-free optimizers: the ``schedulefree`` package's ``AdamWScheduleFree``,
``SGDScheduleFree`` and ``RAdamScheduleFree``.

A schedule-free optimizer keeps two sequences: the point where gradients are taken
(:math:`y`, held in the parameters while training) and an average of its iterates
(:math:`x`, what should be evaluated and saved). ``optimizer.train()`` puts :math:`y` in
the parameters, ``optimizer.eval()`` puts :math:`x`; a step in eval mode is an error of
the package. These configs build the optimizer **already in train mode**, so a plain loop
only has to switch around evaluation and checkpoints::

    optimizer, _ = config.build(model, length)   # train mode
    for batch in data:
        loss(model, batch).backward(); optimizer.step(); optimizer.zero_grad()
        if time_to_evaluate:
            optimizer.eval()    # parameters := x
            evaluate(model); save(model, optimizer)
            optimizer.train()   # parameters := y, before the next step

Under Lightning, :meth:`nshsched.OptimizationConfig.configure_optimizers` attaches
:class:`nshsched.integrations.schedule_free.ScheduleFreeCallback`, which does this for the
user (see the Optimizers page).

The package is an optional extra: ``pip install "nshsched[schedulefree]"``. The configs
validate without it; building names the package to install.

References: Defazio et al., *The Road Less Scheduled*, NeurIPS 2024.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self, override

from ..loading.warn import warn
from ..runtime.decay import decays
from .base import OptimizerConfigBase, optimizer_registry
from .fields import Beta, Epsilon, LearningRate, NonNegative, Params

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = [
    "PACKAGE",
    "ScheduleFreeAdamWConfig",
    "ScheduleFreeOptimizerConfigBase",
    "ScheduleFreeRAdamConfig",
    "ScheduleFreeSGDConfig",
    "ScheduleFreeWarning",
    "is_schedule_free",
]

PACKAGE = "schedulefree"
"""The PyPI package (and module) of the schedule-free optimizers."""

PositiveBeta = Annotated[float, Field(gt=0.0, lt=1.0)]
"""An averaging coefficient in ``(0, 1)``: ``eval()`` divides by it (``1 - 1 / beta``)."""

WarmupSteps = Annotated[int, Field(ge=0)]
"""A number of optimizer steps ``>= 0``."""

AveragingPower = Annotated[float, Field(ge=0.0, le=8.0)]
"""A power in the averaging weights ``(t + 1) ** r * max_lr ** weight_lr_power``, in
``[0, 8]``: larger powers overflow a float (the package raises ``OverflowError``, or the
weights turn ``inf / inf = nan``) within the steps and learning rates configs allow."""


class ScheduleFreeWarning(UserWarning):
    """A schedule-free optimizer next to a schedule that lowers the LR (see
    :func:`nshsched.runtime.decay.decays`): the two work against each other."""


def _tag(config: Any) -> str:
    return str(getattr(config, "name", type(config).__name__))


def is_schedule_free(optimizer: object) -> bool:
    """Whether ``optimizer`` has schedule-free train/eval modes: callable ``train()`` and
    ``eval()`` methods and a ``train_mode`` flag in its param groups (the convention of the
    ``schedulefree`` package, also followed by its wrappers)."""
    groups = getattr(optimizer, "param_groups", None)
    return (
        callable(getattr(optimizer, "train", None))
        and callable(getattr(optimizer, "eval", None))
        and isinstance(groups, list)
        and any(isinstance(g, dict) and "train_mode" in g for g in groups)
    )


class ScheduleFreeOptimizerConfigBase(OptimizerConfigBase):
    """Base of the schedule-free configs: built as ``schedulefree.<class>(params, **fields)``
    and put in train mode.

    Subclasses set :attr:`package_class` and declare one field per keyword of that class,
    with the package's name and default (``lr`` has no default).
    """

    package_class: ClassVar[str]
    """The class name in the ``schedulefree`` package."""

    @override
    def check_schedules(self, schedules: Sequence[tuple[str, Any]]) -> None:
        """Warn once (:class:`ScheduleFreeWarning`) about a schedule that
        :func:`~nshsched.runtime.decay.decays`, naming both; a warmup alone is fine."""
        bad = [f"{where} {_tag(s)!r}" for where, s in schedules if s is not None and decays(s)]
        if bad:
            warn(
                f"optimizer {_tag(self)!r} is schedule-free (it averages its iterates instead "
                f"of decaying the LR), but {' and '.join(bad)} lowers the LR during training: "
                "use a warmup alone (constant_with_warmup, or the optimizer's warmup_steps), "
                "or a scheduled optimizer such as adamw",
                ScheduleFreeWarning,
            )

    @model_validator(mode="after")
    def _check_decay_per_step(self) -> Self:
        # As for torch's optimizers: beyond lr * weight_decay = 1 one step removes more
        # than the whole weight (its sign flips) and the weights grow geometrically.
        lr, decay = getattr(self, "lr", None), getattr(self, "weight_decay", None)
        if isinstance(lr, float) and isinstance(decay, float) and lr * decay > 1:
            raise ValueError(
                f"lr * weight_decay must be <= 1, got {lr=} * weight_decay={decay} = "
                f"{lr * decay:.3g}: one step would remove more than the whole weight"
            )
        return self

    @classmethod
    def optimizer_class(cls) -> type[Optimizer]:
        """``schedulefree.<package_class>`` (imported now, not when nshsched is imported).

        Raises:
            ImportError: The ``schedulefree`` package is not installed; the message says how
                to install it.
        """
        try:
            module = importlib.import_module(PACKAGE)
        except ImportError as error:
            raise ImportError(
                f"{cls.__name__} needs the package {PACKAGE!r} (schedulefree."
                f"{cls.package_class}), which is not installed: pip install {PACKAGE} "
                '(or pip install "nshsched[schedulefree]")'
            ) from error
        return getattr(module, cls.package_class)  # type: ignore[no-any-return]

    @override
    def create_optimizer(self, params: Params) -> Optimizer:
        """Build ``schedulefree.<package_class>(params, **fields)`` and call its ``train()``.

        The optimizer comes back in **train mode**: a loop can step it at once. Call
        ``optimizer.eval()`` before evaluating or saving a checkpoint and
        ``optimizer.train()`` before the next training step (a step in eval mode raises).
        Under Lightning, :meth:`nshsched.OptimizationConfig.configure_optimizers` does
        both for you.

        Args:
            params: An iterable of parameters or of param-group dicts (their keys override
                these fields for that group).

        Raises:
            ImportError: The ``schedulefree`` package is not installed.
        """
        cls = self.optimizer_class()
        kwargs = {k: getattr(self, k) for k in type(self).model_fields if k != "name"}
        optimizer = cls(params, **kwargs)
        optimizer.train()  # type: ignore[attr-defined]
        return optimizer


@optimizer_registry.register
class ScheduleFreeAdamWConfig(ScheduleFreeOptimizerConfigBase):
    r"""``schedulefree.AdamWScheduleFree``: schedule-free AdamW.

    .. math::
        \begin{cases}
        y_t = (1 - \beta_1) z_t + \beta_1 x_t \\
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g(y_t)^2, \quad
        d_t = g(y_t) / (\sqrt{v_t / (1 - \beta_2^t)} + \epsilon) + \lambda y_t \\
        z_{t+1} = z_t - \gamma_t d_t \\
        x_{t+1} = (1 - c_{t+1}) x_t + c_{t+1} z_{t+1}, \quad
        c_{t+1} = \dfrac{t^r \gamma_{\max}^{p}}{\sum_{i \le t} i^r \gamma_{\max,i}^{p}}
        \end{cases}

    :math:`\gamma_t` ``lr`` (times :math:`t / W` during the package's own ``warmup_steps``
    :math:`W`), :math:`\beta_{1,2}` ``betas``, :math:`\epsilon` ``eps``, :math:`\lambda`
    ``weight_decay`` (taken at :math:`y`), :math:`r` ``r``, :math:`p` ``weight_lr_power``.
    Training steps see :math:`y`, evaluation should see :math:`x` (``optimizer.eval()``).

    Differs from the package: ``lr`` has no default (the package: 0.0025); the optimizer is
    built in train mode; ``betas[0]`` must be > 0 (``eval()`` divides by it); ``r`` and
    ``weight_lr_power`` are at most 8 (beyond, the averaging weights overflow).

    References: Defazio et al., *The Road Less Scheduled*, NeurIPS 2024.

    Example:
        >>> import torch
        >>> from nshsched.optimizer.schedule_free import ScheduleFreeAdamWConfig
        >>> opt = ScheduleFreeAdamWConfig(lr=1e-3).create_optimizer(torch.nn.Linear(2, 1).parameters())
        >>> type(opt).__name__, opt.param_groups[0]["train_mode"]
        ('AdamWScheduleFree', True)
    """

    package_class: ClassVar[str] = "AdamWScheduleFree"
    aliases: ClassVar[tuple[str, ...]] = ("AdamWScheduleFree",)
    name: Literal["schedule_free_adamw"] = "schedule_free_adamw"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required; schedule-free methods take a larger one than
    their scheduled counterparts)."""
    betas: tuple[PositiveBeta, Beta] = (0.9, 0.999)
    """:math:`\\beta_1` interpolates between the average :math:`x` and :math:`z`, in
    ``(0, 1)``; :math:`\\beta_2` averages the squared gradients, in ``[0, 1)``."""
    eps: Epsilon = 1e-8
    """Added to the denominator for numerical stability."""
    weight_decay: NonNegative = 0.0
    """Weight decay :math:`\\lambda`, applied at :math:`y` (decoupled, times ``lr``)."""
    warmup_steps: WarmupSteps = 0
    """The package's own linear warmup of ``lr`` over this many steps (0: none). An
    nshsched schedule with a ``warmup`` does the same from outside."""
    r: AveragingPower = 0.0
    """Power :math:`r` of the polynomial weighting of the average (0: uniform), in
    ``[0, 8]``."""
    weight_lr_power: AveragingPower = 2.0
    """Power :math:`p` of the largest LR so far in the averaging weights (down-weights the
    iterates of a warmup), in ``[0, 8]``."""
    foreach: bool = True
    """Use the multi-tensor (``torch._foreach_*``) implementation."""


@optimizer_registry.register
class ScheduleFreeSGDConfig(ScheduleFreeOptimizerConfigBase):
    r"""``schedulefree.SGDScheduleFree``: schedule-free SGD with momentum.

    .. math::
        \begin{cases}
        y_t = (1 - \mu) z_t + \mu x_t \\
        z_{t+1} = z_t - \gamma_t (g(y_t) + \lambda y_t) \\
        x_{t+1} = (1 - c_{t+1}) x_t + c_{t+1} z_{t+1}
        \end{cases}

    :math:`\mu` ``momentum``, :math:`\gamma_t` ``lr`` (with the package's ``warmup_steps``),
    :math:`\lambda` ``weight_decay``, :math:`c_{t+1}` as in
    :class:`ScheduleFreeAdamWConfig` (``r``, ``weight_lr_power``).

    Differs from the package: ``lr`` has no default (the package: 1.0); the optimizer is
    built in train mode.

    References: Defazio et al., *The Road Less Scheduled*, NeurIPS 2024.
    """

    package_class: ClassVar[str] = "SGDScheduleFree"
    aliases: ClassVar[tuple[str, ...]] = ("SGDScheduleFree",)
    name: Literal["schedule_free_sgd"] = "schedule_free_sgd"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    momentum: PositiveBeta = 0.9
    """Interpolation :math:`\\mu` between the average :math:`x` and :math:`z`, in ``(0, 1)``
    (the package refuses 0 and 1)."""
    weight_decay: NonNegative = 0.0
    """L2 penalty :math:`\\lambda`, applied at :math:`y`."""
    warmup_steps: WarmupSteps = 0
    """The package's own linear warmup of ``lr`` over this many steps (0: none)."""
    r: AveragingPower = 0.0
    """Power :math:`r` of the polynomial weighting of the average (0: uniform), in
    ``[0, 8]``."""
    weight_lr_power: AveragingPower = 2.0
    """Power of the largest LR so far in the averaging weights, in ``[0, 8]``."""
    foreach: bool = True
    """Use the multi-tensor (``torch._foreach_*``) implementation."""


@optimizer_registry.register
class ScheduleFreeRAdamConfig(ScheduleFreeOptimizerConfigBase):
    r"""``schedulefree.RAdamScheduleFree``: schedule-free RAdam, which needs no warmup.

    As :class:`ScheduleFreeAdamWConfig` with RAdam's rectification :math:`\rho_t` of the
    second-moment step: while the variance estimate is unreliable (:math:`\rho_t \le 4`,
    the first steps) the step is an SGD step, or no step with ``silent_sgd_phase``.

    Differs from the package: ``lr`` has no default (the package: 0.0025); the optimizer is
    built in train mode; ``betas[0]`` must be > 0.

    References: Defazio et al., *The Road Less Scheduled*, NeurIPS 2024; Liu et al., *On
    the Variance of the Adaptive Learning Rate and Beyond*, ICLR 2020.
    """

    package_class: ClassVar[str] = "RAdamScheduleFree"
    aliases: ClassVar[tuple[str, ...]] = ("RAdamScheduleFree",)
    name: Literal["schedule_free_radam"] = "schedule_free_radam"
    lr: LearningRate
    """Learning rate :math:`\\gamma` (required)."""
    betas: tuple[PositiveBeta, Beta] = (0.9, 0.999)
    """:math:`\\beta_1` in ``(0, 1)``, :math:`\\beta_2` in ``[0, 1)``, as for
    ``schedule_free_adamw``."""
    eps: Epsilon = 1e-8
    """Added to the denominator for numerical stability."""
    weight_decay: NonNegative = 0.0
    """Weight decay, applied at :math:`y` (decoupled, times ``lr``)."""
    r: AveragingPower = 0.0
    """Power :math:`r` of the polynomial weighting of the average (0: uniform), in
    ``[0, 8]``."""
    weight_lr_power: AveragingPower = 2.0
    """Power of the largest LR so far in the averaging weights, in ``[0, 8]``."""
    foreach: bool = True
    """Use the multi-tensor (``torch._foreach_*``) implementation."""
    silent_sgd_phase: bool = True
    """Take no step while the rectification is off (the first steps), instead of an SGD
    step."""
