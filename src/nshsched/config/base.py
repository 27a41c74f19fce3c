"""The base class of every nshsched config, and the number rules every config shares."""

from __future__ import annotations

import functools
import os
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import Self

from ..loading.containers import to_plain
from .checkpoint import PickledAsData
from .errors import check_depth, retitle, titled

__all__ = ["MAX_COUNT", "MAX_MAGNITUDE", "Config"]

MAX_COUNT = 2**53
"""The largest integer any config field accepts (and the smallest is ``-MAX_COUNT``): every
count of steps, epochs or iterations stays exactly representable as a float."""

MAX_MAGNITUDE = 1e18
"""The largest magnitude any float field accepts. Far beyond any meaningful learning rate,
decay or factor, and small enough that the product of two config values still fits a
float32 parameter (whose range ends at about 3.4e38)."""


class Config(PickledAsData, BaseModel):
    """Base class of every config in nshsched.

    Extra keys are forbidden (a misspelled field is an error, never silently ignored),
    attribute docstrings become field descriptions in the JSON schema, assignments are
    validated, and building the validator is deferred to first use so that importing
    nshsched stays cheap.

    Every number in every field, at any depth (``tuple[float, float]``, ``list[int]``,
    ``float | None``, ...), follows the same rules, on validation and on assignment alike:

    - a float is finite (``nan``, ``inf`` and ``-inf`` are errors) and of magnitude at most
      :data:`MAX_MAGNITUDE`;
    - an integer is at most :data:`MAX_COUNT` (2**53) in magnitude;
    - a bool is not a number: ``lr: true`` is an error, not ``1.0``.

    Field types add their own ranges on top (``Field(ge=0)``).

    Configs are plain values: two configs are equal when they are of the same class and
    their fields are equal (private state, such as a warn-once flag, takes no part), and a
    config pickles as its class path and its ``model_dump()``, which lets a Lightning
    checkpoint holding configs load under ``torch.load(weights_only=True)`` (see
    :mod:`nshsched.config.checkpoint`). OmegaConf ``DictConfig``/``ListConfig`` input is read as
    the plain dict/list it resolves to.

    A dump reads back as an equal config under every ``model_dump`` option: a tag (a field
    typed as a one-value ``Literal``, such as ``name`` or a duration's ``kind``) is written
    even with ``exclude_defaults``/``exclude_unset``, and a field listed in
    ``__dump_none_as__`` writes ``None`` as that marker under ``exclude_none``.

    Example:
        >>> import pydantic
        >>> from nshsched import Config
        >>> class Decay(Config):
        ...     rate: float = 0.5
        ...     steps: int = 10
        >>> for bad in ({"rate": float("nan")}, {"rate": True}, {"steps": 2**60}):
        ...     try:
        ...         Decay.model_validate(bad)
        ...     except pydantic.ValidationError as error:
        ...         print(error.errors()[0]["loc"], error.errors()[0]["type"])
        ('rate',) finite_number
        ('rate',) bool_is_not_a_number
        ('steps',) less_than_equal
    """

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        validate_assignment=True,
        validate_default=True,
        defer_build=True,
        protected_namespaces=(),
        allow_inf_nan=False,
    )

    __dump_none_as__: ClassVar[Mapping[str, str]] = {}
    """Fields whose ``None`` must survive ``exclude_none`` (``None`` is not their default):
    field -> the string written instead; the field's validator reads it back as ``None``."""

    @model_serializer(mode="wrap")
    def _dump_readably(  # type: ignore[no-untyped-def]  # no return type: see below
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ):
        # Without a return annotation pydantic keeps the model's own serialization JSON
        # schema (with ``-> Any`` it would describe a dump as "anything").
        data = handler(self)
        if not isinstance(data, dict):
            return data
        if info.exclude_defaults or info.exclude_unset:
            missing = [k for k in _tag_fields(type(self)) if k not in data]
            if missing:
                data = {**{k: getattr(self, k) for k in missing}, **data}
        if info.exclude_none:
            for key, marker in self.__dump_none_as__.items():
                if key not in data and getattr(self, key) is None:
                    data[key] = marker
        return data

    @model_validator(mode="before")
    @classmethod
    def _plain_input(cls, data: Any) -> Any:
        """OmegaConf containers (the whole input or a field's value) become plain data."""
        return to_plain(data, shallow_mapping=True)

    def __eq__(self, other: object) -> bool:
        # Field values only: private state (a warn-once flag) takes no part.
        if not isinstance(other, BaseModel):
            return NotImplemented
        if type(self) is not type(other):
            return False
        fields = type(self).model_fields
        return all(self.__dict__.get(k) == other.__dict__.get(k) for k in fields) and (
            self.__pydantic_extra__ == other.__pydantic_extra__
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # The one place the number rules are applied: every int and float schema of this
        # model's own fields (nested models are Configs that apply them to themselves).
        schema = handler(source)
        if _is_cleaning(schema):
            return schema  # this class's schema, built before (it is used as a field)
        # Outermost: errors of every validator of the class (a subclass's own
        # ``model_validator``s included) are cleaned where they are made, so a config in
        # any model (a user's, LightningCLI's) reports them as nshsched does.
        inner = _harden(schema, source)
        ref = inner.pop("ref", None)  # the wrap is what other schemas refer to
        return core_schema.no_info_wrap_validator_function(_CleanErrors(source), inner, ref=ref)

    # ------------------------------------------------------------------ entry points
    # Each raises a ConfigValidationError titled with the class (one line per problem).

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise retitle(e, type(self).__name__, data=data, model=type(self)) from None

    # pydantic's own marker: nested configs are still validated without calling __init__
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:  # type: ignore[override]
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as e:
            raise retitle(e, cls.__name__, data=obj, model=cls) from None

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any) -> Self:  # type: ignore[override]
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as e:
            raise retitle(e, cls.__name__, model=cls) from None

    @classmethod
    def model_validate_strings(cls, obj: Any, **kwargs: Any) -> Self:  # type: ignore[override]
        try:
            return super().model_validate_strings(obj, **kwargs)
        except ValidationError as e:
            raise retitle(e, cls.__name__, data=obj, model=cls) from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Self:
        """The config held by a YAML or JSON file (read safely, see
        :mod:`nshsched.loading.yaml_files`), validated as this class.

        Raises:
            ConfigValidationError: The file's data is not a valid config of this class; the
                error is titled with the file's name.
            nshsched.loading.limits.ConfigFileError: The file cannot be read or parsed.

        Example:
            >>> import pathlib, tempfile, nshsched as S
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     path = pathlib.Path(tmp, "optim.yaml")
            ...     _ = path.write_text("optimizer: {name: adamw, lr: 3e-4}")
            ...     S.OptimizationConfig.from_file(path).optimizer.lr
            0.0003
        """
        from ..loading.yaml_files import load_file

        data = load_file(path)
        with titled(f"{os.fspath(path)} ({cls.__name__})", data=data, model=cls):
            return cls.model_validate(data)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as e:
            raise retitle(e, type(self).__name__, data={name: value}, model=type(self)) from None


class _CleanErrors:
    """The wrap validator of every config: plain input, bounded depth, clean errors."""

    __slots__ = ("__name__", "cls")

    def __init__(self, cls: type[BaseModel]) -> None:
        self.cls = cls
        self.__name__ = cls.__name__  # how pydantic names this validator (a union's branch)

    def __call__(self, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, BaseModel):  # an instance, or an assignment (cleaned by the caller)
            return handler(value)
        value = to_plain(value, shallow_mapping=True)
        check_depth(value)
        try:
            return handler(value)
        except ValidationError as e:
            raise retitle(e, self.cls.__name__, data=value, model=self.cls) from None


def _is_cleaning(schema: Any) -> bool:
    function = schema.get("function", {}) if schema.get("type") == "function-wrap" else {}
    return isinstance(function.get("function"), _CleanErrors)


def _reject_bool(value: Any) -> Any:
    # bool is an int subclass and pydantic's lax mode reads True as 1; numpy's bool too.
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise PydanticCustomError(
            "bool_is_not_a_number",
            "expected a number, got the boolean {value}",
            {"value": str(value)},
        )
    return value


def _clamp(schema: Any, limit: float) -> None:
    # Tighten, never loosen: a field's own bound within the limit is kept as it is.
    lower = [b for b in (schema.get("ge"), schema.get("gt")) if b is not None]
    if not lower or max(lower) < -limit:
        schema["ge"] = -limit
    upper = [b for b in (schema.get("le"), schema.get("lt")) if b is not None]
    if not upper or min(upper) > limit:
        schema["le"] = limit


_NESTED_ONE: tuple[str, ...] = ("schema", "items_schema", "values_schema", "keys_schema")
_NESTED_ONE += ("lax_schema", "strict_schema", "json_schema", "python_schema")


def _harden(schema: Any, owner: type) -> Any:
    """``schema`` with the number rules applied to every int/float schema inside it."""
    kind = schema.get("type")
    if kind in ("int", "float"):
        _clamp(schema, MAX_COUNT if kind == "int" else MAX_MAGNITUDE)
        if kind == "float":
            schema["allow_inf_nan"] = False
        return core_schema.no_info_before_validator_function(_reject_bool, schema)
    if kind == "function-before" and schema.get("function", {}).get("function") is _reject_bool:
        return schema  # already hardened (a schema shared between fields)
    if kind == "model" and schema.get("cls") is not owner:
        return schema  # another model: a Config hardens its own fields
    for key in _NESTED_ONE:
        inner = schema.get(key)
        if isinstance(inner, dict):
            schema[key] = _harden(inner, owner)
        elif isinstance(inner, list):  # a tuple's items_schema
            schema[key] = [_harden(item, owner) for item in inner]
    if kind == "union":
        schema["choices"] = [_harden_choice(c, owner) for c in schema["choices"]]
    elif kind == "tagged-union":
        schema["choices"] = {k: _harden(v, owner) for k, v in schema["choices"].items()}
    elif kind == "chain":
        schema["steps"] = [_harden(step, owner) for step in schema["steps"]]
    elif kind in ("model-fields", "typed-dict"):
        for field in schema["fields"].values():
            field["schema"] = _harden(field["schema"], owner)
    elif kind == "definitions":
        schema["definitions"] = [_harden(d, owner) for d in schema["definitions"]]
    return schema


def _harden_choice(choice: Any, owner: type) -> Any:
    # Keep an error location readable: ``step_size.int``, not the wrapper's long name.
    if isinstance(choice, tuple):
        return (_harden(choice[0], owner), choice[1])
    if choice.get("type") in ("int", "float"):
        return (_harden(choice, owner), choice["type"])
    return _harden(choice, owner)


@functools.cache
def _tag_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` typed as a one-value ``Literal`` with that value as default."""
    tags = []
    for key, info in cls.model_fields.items():
        args = typing.get_args(info.annotation)
        if typing.get_origin(info.annotation) is typing.Literal and args == (info.default,):
            tags.append(key)
    return tuple(tags)
