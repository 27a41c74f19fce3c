"""The ``nshsched`` command: preview, validate, schema, list, groups.

``validate``, ``schema`` and ``list`` never import torch; ``preview`` of a scheduler config
or preset needs only numpy for closed-form schedules (plotext for the terminal plot,
matplotlib for a PNG); an ``OptimizationConfig`` file builds its optimizer with torch. Mistakes in the
input are reported on stderr with exit code 1 (2 for command-line usage), never a traceback.

The package follows the command's concepts: reading input (``_input``; files are parsed
by :mod:`nshsched.loading.yaml_files`), ``--set`` overrides (``_overrides``), the subcommands
(``_commands``; ``_preview`` with what it computes in ``_plan`` and ``_sampling``;
``_groups``, the param-group table of a config on a model), how a
preview is shown (``_render``, ``_keypoints``), output files (``_output``), errors
(``_errors``) and the parser (``_main``, whose ``COMMANDS`` list every subcommand as a
:class:`~nshsched.cli._command.Command`).
"""

from __future__ import annotations

from ._errors import CLIError, UsageError
from ._input import classify
from ._main import build_parser, main
from ._overrides import apply_override

__all__ = ["CLIError", "UsageError", "apply_override", "build_parser", "classify", "main"]
