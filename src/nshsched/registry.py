"""Open discriminated unions for pydantic.

A :class:`Registry` is used as pydantic metadata, ``Annotated[Base, registry]``. The tag is
looked up **when a value is validated**, not when the parent model is built, so a class
registered after a model was defined (and already used) is accepted by that model with no
rebuild.
"""

from __future__ import annotations

import difflib
import typing
import weakref
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from ._containers import to_plain

__all__ = ["RegistrationError", "Registry"]

TBase = TypeVar("TBase", bound=BaseModel)
TClass = TypeVar("TClass", bound=type[BaseModel])


class RegistrationError(TypeError):
    """A class cannot be registered (wrong base, bad tag, tag already taken)."""


def _normalize(tag: str) -> str:
    """The key under which tags and aliases are compared: case-insensitive, without ``_``/``-``.

    This is what makes torch's class names work as tags: ``"CosineAnnealingLR"`` and
    ``"cosine_annealing_lr"`` share the key ``"cosineannealinglr"``.
    """
    return tag.replace("_", "").replace("-", "").lower()


class Registry(Generic[TBase]):
    """An open discriminated union of pydantic models sharing a base class.

    Args:
        base_cls: The class every registered class must derive from.
        discriminator: The field holding each class's tag, typed ``Literal["tag"]``.

    Example:
        >>> from typing import Annotated, Literal
        >>> import pydantic
        >>> from nshsched import Config, Registry
        >>> class Animal(Config):
        ...     pass
        >>> animals = Registry(Animal)
        >>> class Zoo(pydantic.BaseModel):
        ...     star: Annotated[Animal, animals]
        >>> @animals.register
        ... class Cat(Animal):
        ...     name: Literal["cat"] = "cat"
        ...     lives: int = 9
        >>> Zoo.model_validate({"star": {"name": "cat"}}).star
        Cat(name='cat', lives=9)
        >>> animals.tags()
        ['cat']
    """

    def __init__(self, base_cls: type[TBase], discriminator: str = "name") -> None:
        self.base_cls = base_cls
        self.discriminator = discriminator
        self._classes: dict[str, type[TBase]] = {}
        self._keys: dict[str, str] = {}  # normalized tag or alias -> canonical tag
        self._adapter: TypeAdapter[Any] | None = None  # built on first construct()
        # One set per JSON-schema generator: the classes whose schema is being written,
        # so that a recursive registry (sequential -> phase -> any scheduler) emits a $ref.
        self._json_seen: weakref.WeakKeyDictionary[Any, set[type[BaseModel]]] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"Registry({self.base_cls.__name__}, tags={self.tags()})"

    # ------------------------------------------------------------------ registration

    def register(self, cls: TClass) -> TClass:
        """Class decorator: adds ``cls`` under the tag of its discriminator field.

        A class may also declare ``aliases: ClassVar[tuple[str, ...]]``: further names that
        are accepted (case-insensitively) and written back under the canonical tag.

        Raises:
            RegistrationError: ``cls`` does not derive from the base class, its discriminator
                is not a one-value ``Literal``, or its tag or an alias is taken.
        """
        if not (isinstance(cls, type) and issubclass(cls, self.base_cls)):
            raise RegistrationError(
                f"{cls!r} cannot be registered: it does not derive from {self.base_cls.__name__}"
            )
        field = cls.model_fields.get(self.discriminator)
        if field is not None and isinstance(field.annotation, str | typing.ForwardRef):
            # ``from __future__ import annotations`` where the class's module lacks
            # ``Literal`` (a doctest, a notebook): resolve it in the decorating frame.
            cls.model_rebuild(_parent_namespace_depth=3, raise_errors=False)
        tag = self._tag_of(cls)
        aliases: tuple[str, ...] = tuple(getattr(cls, "aliases", ()) or ())
        keys = {_normalize(tag)} | {_normalize(a) for a in aliases}
        for key in sorted(keys):
            owner_tag = self._keys.get(key)
            if owner_tag is not None and self._classes[owner_tag] is not cls:
                owner = self._classes[owner_tag]
                raise RegistrationError(
                    f"cannot register {cls.__qualname__} under {self.discriminator}={tag!r}: "
                    f"the name {key!r} is already taken by {owner.__qualname__} "
                    f"({self.discriminator}={owner_tag!r})"
                )
        self._classes[tag] = typing.cast("type[TBase]", cls)
        for key in keys:
            self._keys[key] = tag
        return typing.cast(TClass, cls)

    def _tag_of(self, cls: type[BaseModel]) -> str:
        field = cls.model_fields.get(self.discriminator)
        if field is None:
            raise RegistrationError(
                f"cannot register {cls.__qualname__}: it has no {self.discriminator!r} field; "
                f'add `{self.discriminator}: Literal["my_tag"] = "my_tag"`'
            )
        annotation = field.annotation
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is not typing.Literal or len(args) != 1:
            raise RegistrationError(
                f"cannot register {cls.__qualname__}: its {self.discriminator!r} field must be "
                f"a Literal of exactly one string, got {annotation!r}"
            )
        tag = args[0]
        if not isinstance(tag, str):
            raise RegistrationError(
                f"cannot register {cls.__qualname__}: its tag must be a string, got {tag!r}"
            )
        return tag

    # ------------------------------------------------------------------ look-up

    def tags(self) -> list[str]:
        """The canonical tags, sorted."""
        return sorted(self._classes)

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and self._canonical(tag) is not None

    def _canonical(self, tag: str) -> str | None:
        """The canonical tag of ``tag``, or ``None``; an unknown tag first loads the
        plugins (entry points of the ``nshsched`` group, see :mod:`nshsched.plugins`)."""
        canonical = self._keys.get(_normalize(tag))
        if canonical is None:
            from .plugins import on_unknown_tag

            on_unknown_tag()
            canonical = self._keys.get(_normalize(tag))
        return canonical

    def __iter__(self) -> typing.Iterator[type[TBase]]:
        return iter(self._classes[t] for t in self.tags())

    def __len__(self) -> int:
        return len(self._classes)

    def resolve(self, tag: str) -> str:
        """The canonical tag for ``tag`` or one of its aliases.

        Raises:
            KeyError: Unknown tag; the message lists the registered tags and the closest one.
        """
        canonical = self._canonical(tag)
        if canonical is None:
            raise KeyError(self._unknown_message(tag))
        return canonical

    def get(self, tag: str) -> type[TBase]:
        """The class registered under ``tag`` (or one of its aliases)."""
        return self._classes[self.resolve(tag)]

    def construct(self, data: TBase | Mapping[str, Any]) -> TBase:
        """Validate ``data`` (a mapping with the discriminator) into its registered class.

        An instance of a registered class is returned unchanged.

        Raises:
            pydantic.ValidationError: Unknown tag, or invalid fields (with their locations).
        """
        if self._adapter is None:
            self._adapter = TypeAdapter(typing.Annotated[self.base_cls, self])  # type: ignore[arg-type]
        return typing.cast(TBase, self._adapter.validate_python(data))

    def _unknown_message(self, tag: object) -> str:
        what = self.base_cls.__name__
        tags = self.tags()
        msg = f"unknown {self.discriminator} {tag!r} for {what}; registered: {', '.join(tags)}"
        if isinstance(tag, str):
            by_key = {_normalize(t): t for t in tags}
            close = difflib.get_close_matches(_normalize(tag), list(by_key), n=1, cutoff=0.6)
            if close:
                msg += f" (did you mean {by_key[close[0]]!r}?)"
        return msg

    # ------------------------------------------------------------------ pydantic hooks

    def _validate(self, value: Any, info: core_schema.ValidationInfo | None) -> BaseModel:
        value = to_plain(value)  # an OmegaConf DictConfig (Hydra) reads as its plain dict
        if isinstance(value, BaseModel):
            cls = type(value)
            if isinstance(value, self.base_cls) and self._classes.get(self._safe_tag(cls)) is cls:
                return value
            raise PydanticCustomError(
                "unregistered_class",
                "{cls} is not registered in the {base} registry; decorate it with "
                "@<registry>.register",
                {"cls": cls.__qualname__, "base": self.base_cls.__name__},
            )
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "registry_type",
                "expected a mapping with a {disc} key naming a {base}, got {kind}",
                {
                    "disc": repr(self.discriminator),
                    "base": self.base_cls.__name__,
                    "kind": type(value).__name__,
                },
            )
        if self.discriminator not in value:
            raise PydanticCustomError(
                "missing_tag",
                "missing {disc}: which {base}? registered: {tags}",
                {
                    "disc": repr(self.discriminator),
                    "base": self.base_cls.__name__,
                    "tags": ", ".join(self.tags()),
                },
            )
        tag = value[self.discriminator]
        canonical = self._canonical(tag) if isinstance(tag, str) else None
        if canonical is None:
            raise PydanticCustomError("unknown_tag", self._unknown_message(tag).replace("{", "{{"))
        data = dict(value)
        data[self.discriminator] = canonical
        cls = self._classes[canonical]
        if info is None:
            return cls.model_validate(data)
        # A ValidationError raised here keeps its nested location (``a.b.lr``).
        return cls.model_validate(data, context=info.context)

    def _safe_tag(self, cls: type[BaseModel]) -> str:
        try:
            return self._tag_of(cls)
        except RegistrationError:
            return ""

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
        for tag in self.tags():
            cls = self._classes[tag]
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
    if schema.get("type") == "definitions":
        return _core_ref(schema["schema"])
    return None
