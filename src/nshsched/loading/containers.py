"""OmegaConf containers read as the plain data they stand for.

Hydra hands applications ``DictConfig``/``ListConfig`` objects. nshsched accepts them
wherever it accepts a dict or a list: :func:`to_plain` resolves interpolations and returns
plain dicts and lists. OmegaConf is never imported here: a value can only be an OmegaConf
container if OmegaConf was imported by someone else.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_omegaconf_container", "to_plain"]


def is_omegaconf_container(value: object) -> bool:
    """Whether ``value`` is an OmegaConf ``DictConfig`` or ``ListConfig``."""
    omegaconf = sys.modules.get("omegaconf")
    return omegaconf is not None and isinstance(value, omegaconf.Container)


def to_plain(value: Any, *, shallow_mapping: bool = False) -> Any:
    """``value`` with OmegaConf containers replaced by plain dicts and lists.

    A container is converted whole, with every interpolation resolved. With
    ``shallow_mapping``, a plain dict whose values are containers (``Config(**kwargs)``) is
    copied with those values converted. Anything else is returned unchanged.

    Raises:
        ValueError: an interpolation cannot be resolved or a mandatory value (``???``) is
            missing; the message names the key.
    """
    if sys.modules.get("omegaconf") is None:
        return value
    if is_omegaconf_container(value):
        return _convert(value)
    if (
        shallow_mapping
        and isinstance(value, dict)
        and any(map(is_omegaconf_container, value.values()))
    ):
        return {k: _convert(v) if is_omegaconf_container(v) else v for k, v in value.items()}
    return value


def _convert(container: Any) -> Any:
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        return OmegaConf.to_container(container, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as e:
        # OmegaConf's message names the full key; keep only its first line (no object dump).
        from .quote import shorten

        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"cannot read the OmegaConf config: {shorten(first, 300)}") from None
