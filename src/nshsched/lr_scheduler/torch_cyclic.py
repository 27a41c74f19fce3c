"""Configs mirroring torch's per-batch cyclical schedulers: ``OneCycleLR`` and ``CyclicLR``.

Both set absolute learning rates (the optimizer's own LR plays no part) and, with
``cycle_momentum``, cycle the momentum (or Adam's ``beta1``) inversely to the LR. Their
default interval is ``step``. Counts are scheduler steps or durations, as for every torch
mirror (see :mod:`nshsched.lr_scheduler.torch_mirrors`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import Self, override

from .. import functional as F
from ..duration import DurationConfig, TrainingLength
from ..loading.quote import quote
from .base import LRSchedulerMetadata, lr_scheduler_registry
from .torch_mirrors import PositiveCount, TorchMirrorConfigBase

__all__ = ["CyclicLRConfig", "OneCycleLRConfig"]


class _MomentumCyclingBase(TorchMirrorConfigBase):
    """Per-batch mirrors that may cycle the optimizer's momentum."""

    cycle_momentum: bool = True
    """Cycle the momentum (or Adam's ``beta1``) inversely to the LR."""

    @override
    def metadata(self) -> LRSchedulerMetadata:
        """Per-batch schedules: stepped after every optimizer step."""
        return {"interval": "step"}

    def momentum_range(self) -> tuple[float, float] | None:
        """``(base_momentum, max_momentum)`` when momentum is cycled, else ``None``."""
        if not self.cycle_momentum:
            return None
        return (getattr(self, "base_momentum"), getattr(self, "max_momentum"))  # noqa: B009

    def per_group(self, field: str, count: int) -> list[float]:
        """Field ``field`` (one value, or a list with one per param group) for ``count``
        groups.

        Raises:
            ValueError: A list whose length is not ``count``.
        """
        value = getattr(self, field)
        if not isinstance(value, list):
            return [float(value)] * count
        if len(value) != count:
            raise ValueError(
                f"{type(self).__name__}.{field} has {len(value)} values for {count} param "
                f"groups: give one value, or one per param group ({quote(value)})"
            )
        return [float(v) for v in value]

    def has_lists(self) -> bool:
        """Whether a value is given per param group."""
        return any(isinstance(getattr(self, f), list) for f in self.list_fields)

    list_fields: ClassVar[tuple[str, ...]] = ()

    @override
    def group_lr_curves(self, length: TrainingLength, count: int) -> list[F.LRCurve]:
        """One curve per group when a value is given per group (a list), as torch does."""
        if not self.has_lists():
            return super().group_lr_curves(length, count)
        values = {f: self.per_group(f, count) for f in self.list_fields}
        return [
            self.curve_for(length, **{f: v[g] for f, v in values.items()}) for g in range(count)
        ]

    @override
    def lr_curve(self, length: TrainingLength) -> F.LRCurve:
        return self.curve_for(length, **{f: self.per_group(f, 1)[0] for f in self.list_fields})

    def curve_for(self, length: TrainingLength, **values: float) -> F.LRCurve:
        """The curve with the per-group fields set to ``values``."""
        raise NotImplementedError


@lr_scheduler_registry.register
class OneCycleLRConfig(_MomentumCyclingBase):
    """torch ``OneCycleLR``: up from ``max_lr / div_factor`` to ``max_lr``, then far below.

    .. math::
        lr(t) = \\begin{cases}
            A(η_i, M, t / (P - 1)) & t \\le P - 1 \\\\
            A(M, η_i / φ, (t - P + 1) / (N - P)) & t > P - 1
        \\end{cases}

    where :math:`M` is ``max_lr``, :math:`η_i = M / ` ``div_factor``, :math:`φ` is
    ``final_div_factor``, :math:`N` is ``total_steps``, :math:`P = ` ``pct_start`` :math:`N`
    and :math:`A(a, b, p)` anneals from :math:`a` to :math:`b` (``cos``:
    :math:`b + (a - b)(1 + \\cos \\pi p)/2`; ``linear``: :math:`a + (b - a) p`).
    ``three_phase`` goes back down to :math:`η_i` at :math:`2P - 2` before the final phase.
    The momentum moves the opposite way between ``max_momentum`` and ``base_momentum``.

    Differs from torch: ``epochs``/``steps_per_epoch`` are replaced by durations —
    ``total_steps`` accepts scheduler steps or a duration and defaults to the whole training.
    ``base_momentum`` and ``max_momentum`` are one value for every group (``max_lr`` may be
    a list, one per param group, as in torch). The LR stays at its final value from step
    ``total_steps - 1`` on: torch extrapolates the last phase one step further (at step
    ``total_steps``, below the final LR — negative with ``linear``) and raises after that.

    References:
        Smith & Topin, Super-Convergence: Very Fast Training of Neural Networks Using Large
        Learning Rates (2017).
    """

    name: Literal["one_cycle_lr"] = "one_cycle_lr"
    list_fields: ClassVar[tuple[str, ...]] = ("max_lr",)
    max_lr: (
        Annotated[float, Field(gt=0)]
        | Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=1)]
    )
    """Peak learning rate (absolute): one for every group, or a list with one per param
    group (as torch)."""
    total_steps: PositiveCount | None = None
    """Scheduler steps of the cycle (or a duration); ``None``: the whole training."""
    pct_start: Annotated[float, Field(ge=0, le=1)] = 0.3
    """Fraction of the cycle spent increasing the LR, in [0, 1] (as torch). A rise shorter
    than one step (``pct_start * total_steps < 1``) starts the cycle part-way down, as in
    torch; ``pct_start * total_steps == 1`` is refused (torch divides by zero)."""
    anneal_strategy: Literal["cos", "linear"] = "cos"
    """How each phase moves between its ends."""
    base_momentum: Annotated[float, Field(ge=0)] = 0.85
    """Momentum at the LR peak (any number >= 0, as torch; below 1 for an optimizer with
    ``betas``, checked when the scheduler is created)."""
    max_momentum: Annotated[float, Field(ge=0)] = 0.95
    """Momentum at the start and the end of the cycle (>= 0; below 1 with ``betas``)."""
    div_factor: Annotated[float, Field(gt=0)] = 25.0
    """Initial LR = ``max_lr / div_factor``."""
    final_div_factor: Annotated[float, Field(gt=0)] = 1e4
    """Final LR = initial LR / ``final_div_factor``."""
    three_phase: bool = False
    """Go back down to the initial LR (symmetrically) before the final annealing phase."""

    @model_validator(mode="after")
    def _check_phases(self) -> Self:
        if isinstance(self.total_steps, int):
            self._curve(self.total_steps, 1.0)  # raises if a phase would be empty
        return self

    @override
    def uses_total(self) -> bool:
        """``total_steps`` unset: the cycle spans the whole training."""
        return self.total_steps is None

    @override
    def horizon_units(self, length: TrainingLength) -> int | None:
        """An explicit ``total_steps`` (not a fraction) should be the end of training."""
        return self.count_horizon("total_steps", length)

    def _curve(self, total_steps: int, max_lr: float) -> F.LRCurve:
        return F.one_cycle_lr_curve(
            max_lr,
            total_steps,
            pct_start=self.pct_start,
            anneal_strategy=self.anneal_strategy,
            div_factor=self.div_factor,
            final_div_factor=self.final_div_factor,
            three_phase=self.three_phase,
            momentum=self.momentum_range(),
        )

    @override
    def curve_for(self, length: TrainingLength, **values: float) -> F.LRCurve:
        total = (
            self.total_units(length)
            if self.total_steps is None
            else self.units("total_steps", length)
        )
        return self._curve(total, values["max_lr"])


@lr_scheduler_registry.register
class CyclicLRConfig(_MomentumCyclingBase):
    """torch ``CyclicLR``: triangular cycles between ``base_lr`` and ``max_lr``.

    .. math::
        c = 1 + \\lfloor t / (u + d) \\rfloor, \\quad x = 1 + t / (u + d) - c, \\quad
        h = \\begin{cases} x / r & x \\le r \\\\ (x - 1) / (r - 1) & x > r \\end{cases}

        lr(t) = b + (M - b)\\, h\\, g

    where :math:`b, M` are ``base_lr``, ``max_lr``; :math:`u, d` are ``step_size_up``,
    ``step_size_down``; :math:`r = u / (u + d)`; :math:`g` is 1 (``triangular``),
    :math:`2^{1 - c}` (``triangular2``) or :math:`γ^t` (``exp_range``). The momentum is
    :math:`m_{max} - (m_{max} - m_{base})\\, h\\, g`.

    Differs from torch: the ``scale_fn`` callable cannot be configuration and is not
    offered; ``scale_mode`` therefore only states what the ``mode`` uses (``cycle`` for the
    triangular modes, ``iterations`` for ``exp_range``, as torch does whenever ``scale_fn``
    is unset) and any other value is rejected. The momentums are one value for every group
    (``base_lr`` and ``max_lr`` may be lists, one per param group, as in torch).

    References:
        Smith, Cyclical Learning Rates for Training Neural Networks (2017).
    """

    name: Literal["cyclic_lr"] = "cyclic_lr"
    list_fields: ClassVar[tuple[str, ...]] = ("base_lr", "max_lr")
    base_lr: (
        Annotated[float, Field(ge=0)]
        | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)]
    )
    """Lower LR of the cycle (absolute; replaces the optimizer's LR, as in torch): one for
    every group, or a list with one per param group."""
    max_lr: (
        Annotated[float, Field(ge=0)]
        | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)]
    )
    """Upper LR of the cycle (absolute): one for every group, or one per param group."""
    step_size_up: PositiveCount = 2000
    """Scheduler steps of the rising half (or a duration)."""
    step_size_down: Annotated[int, Field(ge=0)] | DurationConfig | None = None
    """Scheduler steps of the falling half (or a duration); ``None``: ``step_size_up``."""
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular"
    """Amplitude policy: constant, halved every cycle, or ``gamma ** t``."""
    gamma: Annotated[float, Field(gt=0)] = 1.0
    """Base of the ``exp_range`` amplitude factor ``gamma ** t``."""
    scale_mode: Literal["cycle", "iterations"] | None = None
    """What the amplitude policy is a function of; ``None``: the mode's own (the only
    accepted value otherwise)."""
    base_momentum: Annotated[float, Field(ge=0)] = 0.8
    """Momentum at the LR peak (any number >= 0, as torch; below 1 for an optimizer with
    ``betas``, checked when the scheduler is created)."""
    max_momentum: Annotated[float, Field(ge=0)] = 0.9
    """Momentum at the cycle's start (>= 0; below 1 with ``betas``)."""

    @model_validator(mode="after")
    def _check_scale_mode(self) -> Self:
        own = "iterations" if self.mode == "exp_range" else "cycle"
        if self.scale_mode is not None and self.scale_mode != own:
            raise ValueError(
                f"scale_mode={self.scale_mode!r} does not fit mode={self.mode!r}, which scales "
                f"by {own!r} (custom scale functions are not configurable); omit scale_mode"
            )
        return self

    @override
    def curve_for(self, length: TrainingLength, **values: float) -> F.LRCurve:
        down = None if self.step_size_down is None else self.units("step_size_down", length, 0)
        return F.cyclic_lr_curve(
            values["base_lr"],
            values["max_lr"],
            self.units("step_size_up", length),
            down,
            mode=self.mode,
            gamma=self.gamma,
            momentum=self.momentum_range(),
        )

    @override
    def growth_fields(self) -> dict[str, float]:
        """``exp_range``'s ``gamma`` above 1 compounds."""
        return {"gamma": self.gamma} if self.mode == "exp_range" and self.gamma > 1 else {}
