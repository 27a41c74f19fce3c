"""Hypothesis strategies derived from the configs' JSON schema.

``from_schema(schema)`` draws JSON-like data (dicts, lists, numbers, strings) that the schema
describes: every property's type and bounds, every registered tag of a registry field (a
``oneOf`` with a discriminator), nested models through ``$ref``. Data drawn this way is not
always valid (rules linking two fields live in validators, not in the schema): a test
validates it and handles both outcomes. ``mutate`` turns valid data into likely-invalid data.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

# Composite schedules: below the top level they are drawn only while the depth allows it.
RECURSIVE = frozenset({"SequentialSchedulerConfig", "PerGroupSchedulerConfig"})
NAMES = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=6)


class SchemaStrategies:
    """Strategies for one JSON schema (its ``$defs`` resolve ``$ref``).

    Args:
        schema: A JSON schema from ``model_json_schema()``.
        int_span: Integers are drawn from ``[minimum, minimum + int_span]`` (counts of steps
            or iterations: large ones only cost time; the bounds themselves are tested
            elsewhere).
        float_scale: Floats without an upper bound are drawn up to this magnitude most of the
            time, and from the whole range sometimes.
        max_depth: How deep composite schedules nest.
        names: Strings (names of param groups, monitored metrics) and dictionary keys.
        exclude: Names of ``$defs`` never drawn (classes other tests registered).
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        int_span: int = 12,
        float_scale: float = 10.0,
        max_depth: int = 2,
        names: Any = NAMES,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.root = schema
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.int_span = int_span
        self.float_scale = float_scale
        self.max_depth = max_depth
        self.names = names
        self.exclude = exclude

    def strategy(self, node: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
        """A strategy for ``node`` (default: the whole schema)."""
        node = self.root if node is None else node
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return st.deferred(lambda: self.strategy(self.defs[name], depth + 1))
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [o for o in node[key] if self._allowed(o, depth)]
                return st.one_of([self.strategy(o, depth) for o in options])
        kind = node.get("type")
        if kind == "number":
            return self._floats(node)
        if kind == "integer":
            low = int(node.get("minimum", node.get("exclusiveMinimum", -1) + 1))
            high = int(node.get("maximum", low + self.int_span))
            return st.integers(low, min(high, low + self.int_span))
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "string":
            return self.names
        if kind == "array":
            return self._array(node, depth)
        if kind == "object" or "properties" in node:
            return self._object(node, depth)
        raise NotImplementedError(f"no strategy for {node}")

    def _allowed(self, option: Mapping[str, Any], depth: int) -> bool:
        name = option.get("$ref", "").rsplit("/", 1)[-1]
        if name in self.exclude:
            return False
        return depth < self.max_depth or name not in RECURSIVE

    def _floats(self, node: Mapping[str, Any]) -> Any:
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        excl_low = "exclusiveMinimum" in node and "minimum" not in node
        excl_high = "exclusiveMaximum" in node and "maximum" not in node
        whole = st.floats(low, high, exclude_min=excl_low, exclude_max=excl_high)
        # Most draws in a realistic range, so that schedules are not all at the extremes.
        small_high = high if high is not None and high <= self.float_scale else self.float_scale
        small_low = low if low is not None and low >= -self.float_scale else -self.float_scale
        if small_low >= small_high:
            return whole
        small = st.floats(
            small_low,
            small_high,
            exclude_min=excl_low and small_low == low,
            exclude_max=excl_high and small_high == high,
        )
        return st.one_of(small, small, small, whole)

    def _array(self, node: Mapping[str, Any], depth: int) -> Any:
        if "prefixItems" in node:
            return st.tuples(*(self.strategy(item, depth) for item in node["prefixItems"])).map(
                list
            )
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", low + 3), low + 3)
        return st.lists(self.strategy(node.get("items", {}), depth), min_size=low, max_size=high)

    def _object(self, node: Mapping[str, Any], depth: int) -> Any:
        properties: Mapping[str, Any] = node.get("properties", {})
        if not properties and isinstance(node.get("additionalProperties"), Mapping):
            values = self.strategy(node["additionalProperties"], depth)
            return st.dictionaries(self.names, values, max_size=2)
        required = set(node.get("required", ()))
        fixed = {k: self.strategy(v, depth) for k, v in properties.items() if k in required}
        for key, value in properties.items():
            if "const" in value:  # a tag (name, kind): always written
                fixed[key] = st.just(value["const"])
        optional = {k: self.strategy(v, depth) for k, v in properties.items() if k not in fixed}
        return st.fixed_dictionaries(fixed, optional=optional)


@st.composite
def mutate(draw: st.DrawFn, data: Any) -> tuple[Any, tuple[Any, ...]]:
    """``(mutated, path)``: ``data`` with the value at ``path`` replaced by a hostile one (a
    NaN, an infinity, a bool, a huge count, a negative number, a wrong type), or with an
    unknown key added beside it (then ``path`` ends with ``"unknown_field"``)."""
    paths = list(_paths(data))
    if not paths:
        return data, ()
    path = draw(st.sampled_from(paths))
    hostile = draw(
        st.sampled_from(
            [math.nan, math.inf, -math.inf, True, False, 2**60, -1, -1.5, 1e300, "x", None, []]
        )
    )
    if draw(st.booleans()) and isinstance(_get(data, path[:-1]), dict):
        path = (*path[:-1], "unknown_field")
    return _set(data, path, hostile), path


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Any:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _set(data[path[0]], path[1:], value) if path[0] in _keys(data) else value
    return copy


def _keys(data: Any) -> Any:
    return data.keys() if isinstance(data, dict) else range(len(data))
