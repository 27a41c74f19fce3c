"""Reading config files (YAML or JSON) as plain data, safely.

Files are parsed with PyYAML's safe loader: a tag that would construct a Python object
(``!!python/object/apply:os.system``) is an error, and nothing named in a file is imported or
run. One addition to the safe loader: numbers in exponent notation without a dot (``1e-4``,
``3E5``), which YAML 1.1 reads as strings, are floats, as in YAML 1.2 and JSON.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["ConfigFileError", "load_file", "load_text", "parse_scalar"]


class ConfigFileError(ValueError):
    """A config file cannot be read: missing, not valid YAML/JSON, or a forbidden tag."""


_LOADER: Any = None


def _loader() -> Any:
    """The safe loader, with ``1e-4`` read as a float (PyYAML is imported on first use)."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class _SafeLoader(yaml.SafeLoader):
            """The safe loader, with ``1e-4`` read as a float."""

        _SafeLoader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
            list("-+0123456789"),
        )
        _LOADER = _SafeLoader
    return _LOADER


def load_text(text: str, source: str = "<string>") -> Any:
    """Parse YAML (or JSON) text into plain Python data.

    Raises:
        ConfigFileError: Invalid YAML, or a tag that would construct a Python object.

    Example:
        >>> load_text("lr: 1e-4\\nsteps: [1, 2.5]")
        {'lr': 0.0001, 'steps': [1, 2.5]}
    """
    import yaml

    loader = _loader()
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        problem = e.problem or str(e)
        if isinstance(e, yaml.constructor.ConstructorError) and "could not determine" in problem:
            tag = problem.split("tag", 1)[-1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
            raise ConfigFileError(
                f"{where}: the YAML tag {tag!r} is not allowed: config files are plain data "
                "(mappings, lists, strings, numbers), never Python objects; nothing was run"
            ) from None
        context = f"{e.context}: " if e.context else ""
        raise ConfigFileError(f"{where}: not valid YAML/JSON: {context}{problem}") from None
    except yaml.YAMLError as e:
        raise ConfigFileError(f"{source}: not valid YAML/JSON: {e}") from None


def load_file(path: str | Path) -> Any:
    """Read a YAML or JSON file into plain Python data (see :func:`load_text`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigFileError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ConfigFileError(f"cannot read {str(path)!r}: not UTF-8 text ({e.reason})") from None
    return load_text(text, str(path))


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML: ``1e-4`` -> float, ``null`` -> None, ``abc`` -> str.

    Example:
        >>> [parse_scalar(s) for s in ["1e-4", "3", "true", "null", "cosine", "[1, 2]"]]
        [0.0001, 3, True, None, 'cosine', [1, 2]]
    """
    if text.strip() == "":
        return ""
    return load_text(text, f"value {text!r}")
