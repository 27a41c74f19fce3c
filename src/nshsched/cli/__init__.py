"""The ``nshsched`` command: preview, validate, schema, list.

``validate``, ``schema`` and ``list`` never import torch; ``preview`` needs only numpy for
closed-form schedules (plotext for the terminal plot, matplotlib for a PNG). Mistakes in the
input are reported on stderr with exit code 1 (2 for command-line usage), never a traceback.

The package follows the command's concepts: reading input (``_input``), ``--set``
overrides (``_overrides``), the subcommands (``_commands``, ``_preview``), how a preview is
shown (``_render``, ``_keypoints``), and the parser (``_main``).
"""

from __future__ import annotations

import sys

from ._errors import CLIError, UsageError
from ._input import classify
from ._main import build_parser, main
from ._overrides import apply_override

__all__ = ["CLIError", "UsageError", "apply_override", "build_parser", "classify", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
