"""LR curves: a param-group value as a closed form of the step, with absolute parts.

A curve bundles the schedules that make a group's value (:class:`LRCurve`); curves are joined
and warmed up component by component, with :func:`~nshsched.functional.join` and
:func:`~nshsched.functional.warmup`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._core import Schedule, Step, constant, join, warmup

__all__ = ["KEEP", "LRCurve", "join_curves", "warmup_curve"]


class LRCurve:
    r"""A param-group value as a closed form of the step.

    .. math::
        v(t) = b\, s(t) + f\, o(t) + k\, r(t)

    where :math:`b` is the group's base value (its base LR), :math:`s` is ``scale`` (the
    multiplier), :math:`o` is ``offset`` (an absolute value that is the same for every group,
    e.g. torch's ``eta_min``), and :math:`r` is ``ref_offset``: an absolute value stated for
    the optimizer's default LR (the RL reference's interval LRs, Hugging Face's ``lr_end``),
    which a group receives scaled by :math:`k` = its base / the default (so group ratios hold)
    when the schedule is global, and as is (:math:`k = 1`) when it is the group's own.
    :math:`f` (``factor``, 1 by default) scales the absolute parts of a group whose LR is a
    fixed fraction of its configured group's (layer-wise LR decay: its base :math:`b`
    already includes it, and :math:`k = f` for a group's own schedule). ``None`` components
    are 0.

    ``momentum``, when given, is the momentum (or Adam's ``beta1``) as a curve of its own
    over the group's configured momentum: ``one_cycle_lr``/``cyclic_lr`` cycle it
    (``scale`` 0, ``offset`` the absolute momentum); elsewhere in a joined curve it is the
    configured value (``scale`` 1).

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.LRCurve(F.linear(1.0, 0.0, 4), offset=F.constant(0.01))
        >>> [round(curve.lr(t, 0.1), 3) for t in range(6)]
        [0.11, 0.085, 0.06, 0.035, 0.01, 0.01]
        >>> curve.relative
        False
    """

    __slots__ = ("momentum", "offset", "ref_offset", "scale")

    def __init__(
        self,
        scale: Schedule,
        offset: Schedule | None = None,
        momentum: LRCurve | None = None,
        ref_offset: Schedule | None = None,
    ) -> None:
        self.scale = scale
        self.offset = offset
        self.momentum = momentum
        self.ref_offset = ref_offset

    @property
    def relative(self) -> bool:
        """Whether the value is ``base * scale`` alone (no absolute part, no momentum)."""
        return self.offset is None and self.ref_offset is None and self.momentum is None

    def lr(self, t: Step, base: Any, ratio: float = 1.0, factor: float = 1.0) -> Any:
        """The value at step ``t`` for a group whose base value is ``base`` (``ratio``: the
        factor applied to ``ref_offset``; ``factor``: the one applied to ``offset``)."""
        value = base * self.scale(t)
        if self.offset is not None:
            value = value + (self.offset(t) if factor == 1.0 else factor * self.offset(t))
        if self.ref_offset is not None:
            value = value + ratio * self.ref_offset(t)
        return value

    def map(self, fn: Callable[[Schedule], Schedule]) -> LRCurve:
        """The same transformation (shift, every, ...) applied to every component."""
        return LRCurve(
            fn(self.scale),
            None if self.offset is None else fn(self.offset),
            None if self.momentum is None else self.momentum.map(fn),
            None if self.ref_offset is None else fn(self.ref_offset),
        )

    def at(self, t: int) -> LRCurve:
        """The constant curve equal to this one's value at step ``t``."""
        return LRCurve(
            constant(float(self.scale(t))),
            None if self.offset is None else constant(float(self.offset(t))),
            None if self.momentum is None else self.momentum.at(t),
            None if self.ref_offset is None else constant(float(self.ref_offset(t))),
        )


KEEP = LRCurve(constant(1.0))
"""The curve that keeps a group's configured value (``base * 1``)."""


def _none_as(value: float, schedule: Schedule | None) -> Schedule:
    return constant(value) if schedule is None else schedule


def join_curves(curves: Sequence[LRCurve], boundaries: Sequence[int]) -> LRCurve:
    """:func:`join` applied to curves, component by component (a missing offset is 0, a
    missing momentum keeps the configured one).

    Example:
        >>> from nshsched import functional as F
        >>> hold = F.LRCurve(F.constant(1.0))
        >>> decay = F.eta_min_curve(F.linear(1.0, 0.0, 2), 0.1)
        >>> curve = F.join_curves([hold, decay], [2])
        >>> [round(curve.lr(t, 0.5), 3) for t in range(5)]
        [0.5, 0.5, 0.5, 0.3, 0.1]
    """
    curves = list(curves)
    if len(curves) == 1:
        return curves[0]
    offset = None
    if any(c.offset is not None for c in curves):
        offset = join([_none_as(0.0, c.offset) for c in curves], boundaries)
    ref_offset = None
    if any(c.ref_offset is not None for c in curves):
        ref_offset = join([_none_as(0.0, c.ref_offset) for c in curves], boundaries)
    momentum = None
    if any(c.momentum is not None for c in curves):
        momentum = join_curves([c.momentum or KEEP for c in curves], boundaries)
    return LRCurve(join([c.scale for c in curves], boundaries), offset, momentum, ref_offset)


def warmup_curve(curve: LRCurve, steps: int) -> LRCurve:
    """:func:`warmup` (from 0) applied to a curve: every group's value rises linearly from 0
    to the curve's value at its own step 0, then follows the curve shifted by ``steps``. A
    cycled momentum holds its step-0 value during the warmup.

    Example:
        >>> from nshsched import functional as F
        >>> curve = F.warmup_curve(F.eta_min_curve(F.cosine(1.0, 0.0, 2), 0.1), 2)
        >>> [round(curve.lr(t, 1.0), 3) for t in range(5)]
        [0.0, 0.5, 1.0, 0.55, 0.1]
    """
    if steps <= 0:
        return curve
    return LRCurve(
        warmup(curve.scale, steps),
        None if curve.offset is None else warmup(curve.offset, steps),
        None
        if curve.momentum is None
        else join_curves([curve.momentum.at(0), curve.momentum], [steps]),
        None if curve.ref_offset is None else warmup(curve.ref_offset, steps),
    )
