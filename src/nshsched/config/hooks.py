"""How a :class:`~nshsched.Registry` plugs into pydantic: validation, serialization and JSON
schema of a field typed ``Annotated[Base, registry]``."""

from __future__ import annotations

import typing
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreConfig, PydanticCustomError, SchemaValidator, core_schema

from ..loading.containers import to_plain
from .errors import retitle

__all__ = ["PydanticHooks"]


class PydanticHooks:
    """The pydantic side of a registry (a mixin of :class:`~nshsched.Registry`).

    The tag is looked up when a value is validated, not when the parent model is built, so
    a class registered later is accepted with no rebuild.
    """

    base_cls: type[Any]
    discriminator: str
    _type_name: str | None
    _json_seen: weakref.WeakKeyDictionary[Any, set[type[BaseModel]]]

    if TYPE_CHECKING:

        def _classes_now(self) -> Mapping[str, type[BaseModel]]: ...
        def _find(self, tag: str) -> tuple[str, type[BaseModel]] | None: ...
        def _unknown_message(self, tag: object) -> str: ...
        def _safe_tag(self, cls: type[BaseModel]) -> str: ...
        def _tag_list(self) -> str: ...
        def title_for(self, data: Any) -> str: ...
        def tags(self) -> list[str]: ...

    @property
    def type_name(self) -> str:
        """How messages name a value of this registry's type (``LRSchedulerConfig``)."""
        return getattr(self, "_type_name", None) or self.base_cls.__name__

    def _validate(self, value: Any, info: core_schema.ValidationInfo | None) -> BaseModel:
        value = to_plain(value)  # an OmegaConf DictConfig (Hydra) reads as its plain dict
        if isinstance(value, BaseModel):
            cls = type(value)
            registered = self._classes_now().get(self._safe_tag(cls))
            if isinstance(value, self.base_cls) and registered is cls:
                return value
            raise PydanticCustomError(
                "unregistered_class",
                "{cls} is not registered in the {base} registry; decorate it with "
                "@<registry>.register",
                {"cls": cls.__qualname__, "base": self.type_name},
            )
        expected = f"a mapping {{{self.discriminator}: <tag>, ...}} for {self.type_name}"
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "registry_type",
                "expected {expected}",
                {"expected": expected, "kind": type(value).__name__},
            )
        if self.discriminator not in value:
            raise PydanticCustomError(
                "missing_tag",
                "missing {disc}: which {base}? registered: {tags}",
                {
                    "disc": repr(self.discriminator),
                    "base": self.type_name,
                    "tags": self._tag_list(),
                },
            )
        tag = value[self.discriminator]
        found = self._find(tag) if isinstance(tag, str) else None
        if found is None:
            raise PydanticCustomError("unknown_tag", self._unknown_message(tag))
        canonical, cls = found
        data = dict(value)
        data[self.discriminator] = canonical
        if info is None:
            return cls.model_validate(data)
        # A ValidationError raised here keeps its nested location (``a.b.lr``).
        return cls.model_validate(data, context=info.context)

    def _serialize(self, value: Any, info: core_schema.SerializationInfo) -> Any:
        if not isinstance(value, BaseModel):
            return value
        data = type(value).__pydantic_serializer__.to_python(
            value,
            mode=info.mode,
            by_alias=info.by_alias,
            exclude_unset=info.exclude_unset,
            exclude_defaults=info.exclude_defaults,
            exclude_none=info.exclude_none,
            round_trip=info.round_trip,
            serialize_as_any=info.serialize_as_any,
        )
        if isinstance(data, dict):
            # The tag is always written, even with exclude_unset/exclude_defaults, or the
            # dump could not be read back.
            tag = getattr(value, self.discriminator)
            data = {
                self.discriminator: tag,
                **{k: v for k, v in data.items() if k != self.discriminator},
            }
        return data

    def public_type(self, alias: Any, name: str) -> None:
        """Name ``alias`` (``Annotated[base_cls, self]``) ``name`` in messages, and make a
        ``TypeAdapter`` of it raise :class:`~nshsched.ConfigValidationError` titled like
        :meth:`construct` (pydantic would title it ``function-plain[...]``).

        A ``TypeAdapter`` uses the schema, validator and serializer a type carries, as it
        does for a model class; validating a field of this type anywhere is unchanged.
        """
        self._type_name = name
        adapter: TypeAdapter[Any] = TypeAdapter(alias)
        adapter.rebuild(force=True)
        alias.__pydantic_core_schema__ = adapter.core_schema
        alias.__pydantic_validator__ = _TitledValidator(self, adapter.core_schema)
        alias.__pydantic_serializer__ = adapter.serializer

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            self._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                self._serialize, info_arg=True
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The generator itself (not the handler) stores each class under $defs and answers
        # with a $ref; a class already being written is referenced, which ends the recursion.
        generator = handler.generate_json_schema  # type: ignore[attr-defined]
        seen = self._json_seen.setdefault(generator, set())
        one_of: list[JsonSchemaValue] = []
        mapping: dict[str, str] = {}
        classes = self._classes_now()
        for tag in sorted(classes):
            cls = classes[tag]
            cls_schema = typing.cast(core_schema.CoreSchema, cls.__pydantic_core_schema__)
            ref = _core_ref(cls_schema)
            if cls in seen and ref is not None:
                json = generator.generate_inner(core_schema.definition_reference_schema(ref))
            else:
                seen.add(cls)
                json = generator.generate_inner(cls_schema)
            one_of.append(json)
            if "$ref" in json:
                mapping[tag] = json["$ref"]
        result: JsonSchemaValue = {
            "oneOf": one_of,
            "discriminator": {"propertyName": self.discriminator, "mapping": mapping},
        }
        return result


def _core_ref(schema: Mapping[str, Any]) -> str | None:
    """The definition reference of a model's core schema, where pydantic gave it one."""
    if "ref" in schema:
        return typing.cast(str, schema["ref"])
    if schema.get("type") in ("definitions", "function-wrap", "function-before", "function-after"):
        return _core_ref(schema["schema"])  # a config's error-cleaning wrap around its model
    return None


class _TitledValidator:
    """The validator a ``TypeAdapter`` of a registry type uses: pydantic's, with errors
    raised as :class:`~nshsched.ConfigValidationError` titled like ``construct``."""

    def __init__(self, registry: PydanticHooks, schema: Any) -> None:
        self.registry = registry
        self.inner = SchemaValidator(schema, CoreConfig(title=registry.type_name))
        self.title = registry.type_name

    def validate_python(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.inner.validate_python(data, *args, **kwargs)
        except ValidationError as e:
            raise retitle(e, self.registry.title_for(data), data=data) from None

    def validate_json(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.inner.validate_json(data, *args, **kwargs)
        except ValidationError as e:
            raise retitle(e, self.registry.type_name) from None

    def validate_strings(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.inner.validate_strings(data, *args, **kwargs)
        except ValidationError as e:
            raise retitle(e, self.registry.title_for(data), data=data) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
