"""Layer-wise LR decay: the LR of each layer scaled down from the head to the embeddings.

With rate :math:`r` and :math:`L` layers (the highest layer index + 1), a parameter gets

.. math::
    \\lambda = \\begin{cases}
        r^{L - i} & \\text{in layer } i \\\\
        r^{L + 1} & \\text{an embedding (patch/position embeddings, class token, ...)} \\\\
        r & \\text{the final norm (``last``)} \\\\
        1 & \\text{anything else (the head, ``fc_norm``)}
    \\end{cases}

the scales of timm's ``param_groups_layer_decay`` on timm's ViTs (BEiT, MAE fine-tuning
recipes). References: Bao et al., *BEiT: BERT Pre-Training of Image Transformers*, 2021.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from ..config.base import Config
from .naming import glob_match

__all__ = ["DEFAULT_LAYERS", "LayerDecayConfig", "layer_parts", "part_factors"]

DEFAULT_LAYERS = r"(?:^|\.)(?:blocks|layers|layer|h)\.(\d+)\."
"""timm's ``blocks.<i>.``, Hugging Face's ``layers.<i>.``/``layer.<i>.`` (BERT's
``encoder.layer.<i>.``) and GPT-2's ``h.<i>.``."""


class LayerDecayConfig(Config):
    """Layer-wise LR decay (``OptimizationConfig.layer_decay``).

    The factor multiplies whatever the parameter's group would get (``lr_scale``, a group
    ``lr``, the global or the group's own schedule, absolute values included: torch's
    ``eta_min``, ``step_decay``'s LRs, ...). Each param group is split into
    ``<group>.layer<i>``, ``<group>.embeddings``, ``<group>.last`` and ``<group>`` (the rest;
    the ``_no_decay`` sibling likewise), and a schedule for ``<group>`` — its
    ``ParamGroupConfig.scheduler`` or ``per_group.groups["<group>"]`` — applies to all its
    parts.

    Example:
        >>> import nshsched as S
        >>> S.LayerDecayConfig(rate=0.65).layers
        '(?:^|\\\\.)(?:blocks|layers|layer|h)\\\\.(\\\\d+)\\\\.'
    """

    rate: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    """The factor between two consecutive layers, in (0, 1] (0.65–0.75 in BEiT/MAE)."""

    layers: str = DEFAULT_LAYERS
    """A regular expression searched in each parameter name; its first group is the layer
    index. It must match at least one trainable parameter."""

    embeddings: list[str] = Field(
        default_factory=lambda: [
            "*embed*",
            "cls_token",
            "reg_token",
            "dist_token",
            "mask_token",
            "norm_pre.*",
        ]
    )
    """Globs (whole name or a dotted suffix) of the parameters below the first layer."""

    last: list[str] = Field(default_factory=lambda: ["norm.*"])
    """Globs of the parameters right after the last layer (the final norm)."""

    @field_validator("layers")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as e:
            raise ValueError(f"not a regular expression ({e}): {value[:200]!r}") from None
        if compiled.groups < 1:
            raise ValueError(
                f"the regular expression needs a group capturing the layer index, like "
                f"'blocks\\.(\\d+)\\.', got {value[:200]!r}"
            )
        return value


def layer_parts(config: LayerDecayConfig, names: list[str]) -> dict[str, tuple[str, float]]:
    """For each parameter name: its part suffix (``".layer3"``, ``".embeddings"``,
    ``".last"``, ``""``) and its LR factor.

    Raises:
        ValueError: ``layers`` matches no name, or captures something that is not a
            whole number.
    """
    regex = re.compile(config.layers)
    index: dict[str, int] = {}
    for name in names:
        m = regex.search(name)
        if m is None:
            continue
        try:
            index[name] = int(m.group(1))
        except (TypeError, ValueError):
            raise ValueError(
                f"layer_decay.layers: {config.layers[:200]!r} captured {m.group(1)!r} in "
                f"{name!r}, not a layer index"
            ) from None
    if not index:
        shown = names[:8]
        raise ValueError(
            f"layer_decay.layers: {config.layers[:200]!r} matches no trainable parameter "
            f"(parameters: {shown}{' ...' if len(names) > 8 else ''}); set layers to a "
            "regular expression whose first group is the layer index"
        )
    count = max(index.values()) + 1
    rate = config.rate
    out: dict[str, tuple[str, float]] = {}
    for name in names:
        if name in index:
            i = index[name]
            out[name] = (f".layer{i}", rate ** (count - i))
        elif any(glob_match(name, p) for p in config.embeddings):
            out[name] = (".embeddings", rate ** (count + 1))
        elif any(glob_match(name, p) for p in config.last):
            out[name] = (".last", rate)
        else:
            out[name] = ("", 1.0)
    return out


_PART = re.compile(r"\.(?:layer(\d+)|(embeddings)|last)$")


def part_factors(config: LayerDecayConfig, names: list[str], plain: set[str]) -> list[float]:
    """The LR factor of each torch param group named in ``names`` (those
    :func:`layer_parts` made: ``<group>.layer<i>``, ``.embeddings``, ``.last``), read back
    from the names: ``L`` is the highest layer index among them + 1 (every layer has a
    part). Names in ``plain`` (the configured groups, ``default`` and their ``_no_decay``
    siblings) are a group's rest: factor 1.

    Example:
        >>> import nshsched as S
        >>> from nshsched.groups.layer_decay import part_factors
        >>> part_factors(S.LayerDecayConfig(rate=0.5),
        ...              ["default.embeddings", "default.layer0", "default.layer1",
        ...               "default.last", "default"], {"default"})
        [0.125, 0.25, 0.5, 0.5, 1.0]
    """
    found = [None if name in plain else _PART.search(name) for name in names]
    layers = [int(m.group(1)) for m in found if m is not None and m.group(1) is not None]
    count = max(layers) + 1 if layers else 0
    rate = config.rate
    out = []
    for m in found:
        if m is None:
            out.append(1.0)
        elif m.group(1) is not None:
            out.append(rate ** (count - int(m.group(1))))
        elif m.group(2) is not None:
            out.append(rate ** (count + 1))
        else:
            out.append(rate)
    return out
