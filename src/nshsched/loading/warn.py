"""Warnings that point at the user's line, not at nshsched's."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

__all__ = ["warn"]

_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep  # the nshsched package


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside the nshsched package (and
    outside pydantic, which runs nshsched's validators)."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None:
        filename = str(Path(frame.f_code.co_filename).resolve())
        if not (
            filename.startswith(_PACKAGE)
            or "/pydantic/" in filename
            or "/pydantic_core/" in filename
        ):
            break
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
