"""The limits on what nshsched reads from a config file, and the error for a file that
cannot be read (see :mod:`nshsched.loading.yaml_files` and :mod:`nshsched.loading.json_files`)."""

from __future__ import annotations

import re

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_NUMBER_CHARS",
    "SURROGATE",
    "ConfigFileError",
]

MAX_BYTES = 4 * 1024 * 1024
"""The largest config file read (4 MiB)."""
MAX_DEPTH = 100
"""The most levels of nested lists/mappings in a config."""
MAX_NODES = 250_000
"""The most values (scalars, lists, mappings) in a config, counted after aliases expand.

Room for 10**4 param groups each with a name, a pattern, an ``lr``, a ``weight_decay`` and a
schedule of its own (about 200,000 values); an alias bomb is still refused after expanding
this many values (in well under a second), and a file this size reads in seconds."""
MAX_NUMBER_CHARS = 100
"""The longest number, in characters."""

SURROGATE = re.compile("[\ud800-\udfff]")


class ConfigFileError(ValueError):
    """A config file cannot be read: missing, not valid YAML/JSON, a forbidden tag, or over
    a limit (size, nesting, values, aliases)."""
