"""Reading config files (YAML or JSON) as plain data, safely and with bounded work.

YAML is parsed with PyYAML's safe loader: a tag that would construct a Python object
(``!!python/object/apply:os.system``) is an error, and nothing named in a file is imported or
run. One addition to the safe loader: numbers in exponent notation without a dot (``1e-4``,
``3E5``), which YAML 1.1 reads as strings, are floats, as in YAML 1.2 and JSON. Files ending
in ``.json`` are read as strict JSON (no trailing commas, no ``NaN``). Where PyYAML has
libyaml, its C parser reads the events (a file of 10**4 param groups in a fraction of a
second); the nodes are composed and constructed in Python with the limits below either
way, and a file libyaml refuses is read again by the Python parser, whose error messages
these are (and whose reading prevails).

Whatever a file holds, reading it costs time and memory bounded by its size, and every
refusal is a :class:`ConfigFileError` naming the place (line and column where known):

- a file of more than :data:`MAX_BYTES` bytes, or that is not UTF-8 text;
- more than :data:`MAX_DEPTH` levels of nested lists/mappings (also through aliases);
- more than :data:`MAX_NODES` values, counting every alias as the values it repeats (the
  "billion laughs" file), or an alias inside the list/mapping it names (a cycle);
- a key given twice in one mapping (YAML merge keys ``<<`` may still be overridden);
- a number of more than :data:`MAX_NUMBER_CHARS` characters, a date that does not exist;
- a string with a lone surrogate (``"\\ud800"``), which is not Unicode text.

Messages quote at most ~200 characters of any value or key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from . import limits
from .json_files import load_json
from .limits import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    ConfigFileError,
)
from .quote import quote, shorten

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_NUMBER_CHARS",
    "ConfigFileError",
    "load_file",
    "load_json",
    "load_text",
    "parse_scalar",
]

# ---------------------------------------------------------------------- YAML

_LOADERS: tuple[Any, Any] | None = None

_DIFFERS = re.compile(r"[\t\r\x85\u2028\u2029\ufeff!|>%\ud800-\udfff]")
"""Characters near which libyaml and PyYAML's Python parser read a text differently (tabs,
line breaks other than ``\\n``, byte order marks, tags, block scalars, directives,
surrogates): a text holding one is read by the Python parser alone."""


def _loaders() -> tuple[Any, Any]:
    """The bounded safe loader, and the same over libyaml's parser (``None`` without
    libyaml); PyYAML is imported on first use."""
    global _LOADERS
    if _LOADERS is None:
        _LOADERS = _make_loader()
    return _LOADERS


def _make_loader() -> Any:
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.events import AliasEvent
    from yaml.nodes import MappingNode, ScalarNode

    class LimitError(yaml.MarkedYAMLError):
        """Valid YAML over one of the limits."""

    def check_graph(root: Any) -> None:
        """Expanded size and depth of the node graph (aliases are shared nodes), without
        recursion; cycles refused."""
        size: dict[int, int] = {}
        depth: dict[int, int] = {}
        entered: set[int] = set()
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            key = id(node)
            if isinstance(node, ScalarNode):
                size[key], depth[key] = 1, 0
                continue
            children = (
                [x for pair in node.value for x in pair]
                if isinstance(node, MappingNode)
                else list(node.value)
            )
            if not leaving:
                if key in size:
                    continue
                if key in entered:
                    raise LimitError(
                        problem="an alias refers to the list/mapping that contains it "
                        "(a recursive structure): config files are trees",
                        problem_mark=node.start_mark,
                    )
                entered.add(key)
                stack.append((node, True))
                stack.extend((child, False) for child in children if id(child) not in size)
                continue
            entered.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > limits.MAX_NODES:
                raise LimitError(
                    problem=f"aliases expand this to more than {limits.MAX_NODES} values "
                    "(an alias bomb?): refused",
                    problem_mark=node.start_mark,
                )
            if depth[key] > limits.MAX_DEPTH:
                raise LimitError(
                    problem=f"more than {limits.MAX_DEPTH} levels of nested lists/mappings "
                    "(through aliases): refused",
                    problem_mark=node.start_mark,
                )

    class Bounded:
        """The limits of this module and ``1e-4`` read as a float, over either parser."""

        _depth: int
        _nodes: int
        _aliased: bool

        def _start(self) -> None:
            self._depth = 0
            self._nodes = 0
            self._aliased = False

        # -- composing: count values and levels as they are read, before any is built
        def compose_node(self, parent: Any, index: Any) -> Any:
            self._nodes += 1
            if self._nodes > limits.MAX_NODES:
                raise LimitError(
                    problem=f"more than {limits.MAX_NODES} values: refused",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[attr-defined]
                )
            if self.check_event(AliasEvent):  # type: ignore[attr-defined]
                self._aliased = True
            return super().compose_node(parent, index)  # type: ignore[misc]

        def compose_scalar_node(self, anchor: Any) -> Any:
            node = super().compose_scalar_node(anchor)  # type: ignore[misc]
            found = limits.SURROGATE.search(node.value)
            if found:
                raise LimitError(
                    problem=f"a string holds a lone surrogate {quote(found.group())}: "
                    "not Unicode text",
                    problem_mark=node.start_mark,
                )
            return node

        def _enter(self) -> None:
            self._depth += 1
            if self._depth > limits.MAX_DEPTH:
                raise LimitError(
                    problem=f"more than {limits.MAX_DEPTH} levels of nested lists/mappings: refused",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[attr-defined]
                )

        def compose_sequence_node(self, anchor: Any) -> Any:
            self._enter()
            try:
                return super().compose_sequence_node(anchor)  # type: ignore[misc]
            finally:
                self._depth -= 1

        def compose_mapping_node(self, anchor: Any) -> Any:
            self._enter()
            try:
                return super().compose_mapping_node(anchor)  # type: ignore[misc]
            finally:
                self._depth -= 1

        def compose_document(self) -> Any:
            node = super().compose_document()  # type: ignore[misc]
            if node is not None and self._aliased:  # else a tree, bounded as it was read
                check_graph(node)
            return node

        # -- constructing
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)  # type: ignore[misc]
            except (ValueError, OverflowError) as e:  # e.g. the date 2001-13-01
                raise ConstructorError(
                    None, None, f"cannot read this value: {shorten(str(e))}", node.start_mark
                ) from None
            except (IndexError, KeyError, AttributeError):  # `!!int ""`, `!!bool x`...
                tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
                raise ConstructorError(
                    None, None, f"cannot read {quote(node.value)} as {tag}", node.start_mark
                ) from None

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, MappingNode):
                seen: dict[Any, Any] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=False)
                    try:
                        first = seen.setdefault(key, key_node)
                    except TypeError:
                        continue  # unhashable: the base class says so
                    if first is not key_node:
                        raise ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"duplicate key {quote(key)} (first given on line "
                            f"{first.start_mark.line + 1})",
                            key_node.start_mark,
                        )
            return super().construct_mapping(node, deep)  # type: ignore[misc]

        def _number_length(self, node: Any) -> None:
            if isinstance(node, ScalarNode) and len(node.value) > limits.MAX_NUMBER_CHARS:
                raise ConstructorError(
                    None,
                    None,
                    f"a number of {len(node.value)} characters (at most {limits.MAX_NUMBER_CHARS})",
                    node.start_mark,
                )

        def construct_yaml_int(self, node: Any) -> Any:
            self._number_length(node)
            return super().construct_yaml_int(node)  # type: ignore[misc]

        def construct_yaml_float(self, node: Any) -> Any:
            self._number_length(node)
            return super().construct_yaml_float(node)  # type: ignore[misc]

    class BoundedSafeLoader(Bounded, yaml.SafeLoader):
        """PyYAML's safe loader, all in Python, with the limits."""

        def __init__(self, stream: Any) -> None:
            yaml.SafeLoader.__init__(self, stream)
            self._start()

    classes: list[Any] = [BoundedSafeLoader]
    fast: Any = None
    c_loader: Any = getattr(yaml, "CSafeLoader", None)  # PyYAML built with libyaml
    if c_loader is not None:
        from yaml.composer import Composer

        class BoundedFastLoader(Bounded, Composer, c_loader):  # type: ignore[misc, valid-type]
            """libyaml's parser (C) for the events; composing (the Python ``Composer``
            comes first, and so every limit) and constructing as
            :class:`BoundedSafeLoader` does."""

            def __init__(self, stream: Any) -> None:
                c_loader.__init__(self, stream)
                Composer.__init__(self)
                self._start()

        fast = BoundedFastLoader
        classes.append(fast)
    for cls in classes:
        cls.add_constructor("tag:yaml.org,2002:int", cls.construct_yaml_int)
        cls.add_constructor("tag:yaml.org,2002:float", cls.construct_yaml_float)
        cls.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
            list("-+0123456789"),
        )
        cls.LimitError = LimitError
    return BoundedSafeLoader, fast


def _where(source: str, mark: Any) -> str:
    source = shorten(source)
    return f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source


def load_text(text: str, source: str = "<string>") -> Any:
    """Parse YAML (or JSON) text into plain Python data, within the limits of this module.

    Raises:
        ConfigFileError: Invalid YAML, a tag that would construct a Python object, or a limit
            exceeded.

    Example:
        >>> load_text("lr: 1e-4\\nsteps: [1, 2.5]")
        {'lr': 0.0001, 'steps': [1, 2.5]}
    """
    import yaml

    if len(text) > limits.MAX_BYTES:
        raise ConfigFileError(f"{shorten(source)}: more than {MAX_BYTES} characters: refused")
    loader, fast = _loaders()
    if fast is not None and not _DIFFERS.search(text):
        # libyaml parses ~4x faster (a file of 10**4 param groups); any refusal is
        # reported by the Python parser, whose messages these are.
        try:
            return yaml.load(text, Loader=fast)  # safe: SafeConstructor
        except yaml.YAMLError:
            pass
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass
    except loader.LimitError as e:
        raise ConfigFileError(f"{_where(source, e.problem_mark)}: {e.problem}") from None
    except yaml.MarkedYAMLError as e:
        where = _where(source, e.problem_mark)
        problem = shorten(e.problem or str(e), 2 * 200)
        if isinstance(e, yaml.constructor.ConstructorError) and "could not determine" in problem:
            tag = problem.split("tag", 1)[-1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
            raise ConfigFileError(
                f"{where}: the YAML tag {quote(tag)} is not allowed: config files are plain data "
                "(mappings, lists, strings, numbers), never Python objects; nothing was run"
            ) from None
        context = f"{shorten(e.context)}: " if e.context else ""
        raise ConfigFileError(f"{where}: not valid YAML/JSON: {context}{problem}") from None
    except yaml.YAMLError as e:
        raise ConfigFileError(
            f"{shorten(source)}: not valid YAML/JSON: {shorten(str(e))}"
        ) from None


# ---------------------------------------------------------------------- files


def load_file(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON file (by its extension: ``.json`` is strict JSON) into plain
    Python data (see :func:`load_text` and :func:`load_json`).

    Raises:
        ConfigFileError: The file cannot be read, is larger than :data:`MAX_BYTES`, is not
            UTF-8 text, or does not parse (within the limits).
    """
    path = Path(path)
    name = quote(str(path))
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ConfigFileError(f"cannot read {name}: {e.strerror or e}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigFileError(
            f"cannot read {name}: larger than {MAX_BYTES // (1024 * 1024)} MiB, the most a "
            "config file may hold"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigFileError(
            f"cannot read {name}: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from None
    if path.suffix.lower() == ".json":
        return load_json(text, str(path))
    return load_text(text, str(path))


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML: ``1e-4`` -> float, ``null`` -> None, ``abc`` -> str.

    Example:
        >>> [parse_scalar(s) for s in ["1e-4", "3", "true", "null", "cosine", "[1, 2]"]]
        [0.0001, 3, True, None, 'cosine', [1, 2]]
    """
    if text.strip() == "":
        return ""
    return load_text(text, f"value {quote(text)}")
