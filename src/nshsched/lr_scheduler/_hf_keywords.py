"""Hugging Face's keyword names for the fields of the HF set (``num_warmup_steps``, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..loading.quote import quote

__all__ = ["HF_ALIASES", "hf_aliases", "quote"]

HF_ALIASES = {
    "num_warmup_steps": "warmup",
    "num_training_steps": "total",
    "num_decay_steps": "decay",
    "num_stable_steps": "stable",
}
"""HF's keyword -> the canonical field it fills (written back under the canonical name)."""


def hf_aliases(cls: type, data: Any) -> Any:
    """``data`` with HF's keywords (``num_warmup_steps``, ...) renamed to the canonical
    fields; an HF keyword given beside its canonical field is an error naming both."""
    if not isinstance(data, Mapping) or not any(k in data for k in HF_ALIASES):
        return data
    data = dict(data)
    for hf_name, field in HF_ALIASES.items():
        if hf_name not in data:
            continue
        if field not in cls.model_fields:  # type: ignore[attr-defined]
            continue  # left in place: refused as an unknown field, by its own name
        if field in data:
            raise ValueError(
                f"set {field} or {hf_name} (HF's name for it), not both: got "
                f"{field}={quote(data[field])}, {hf_name}={quote(data[hf_name])}"
            )
        data[field] = data.pop(hf_name)
    return data
