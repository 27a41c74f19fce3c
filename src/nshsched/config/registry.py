"""Open discriminated unions for pydantic.

A :class:`Registry` is used as pydantic metadata, ``Annotated[Base, registry]``. The tag is
looked up **when a value is validated**, not when the parent model is built, so a class
registered after a model was defined (and already used) is accepted by that model with no
rebuild.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import typing
import warnings
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..loading.quote import shorten
from .errors import retitle, titled
from .hooks import PydanticHooks
from .tags import normalize_tag, tag_list, unknown_tag_message, valid_tag

__all__ = ["RegistrationError", "Registry"]

TBase = TypeVar("TBase", bound=BaseModel)
TClass = TypeVar("TClass", bound=type[BaseModel])


class RegistrationError(TypeError):
    """A class cannot be registered (wrong base, bad tag, tag already taken)."""


class _State(NamedTuple):
    """What a registry holds, replaced as a whole (copy on write): a reader takes one
    snapshot and never sees a half-made registration."""

    classes: dict[str, type[Any]]  # canonical tag -> class
    keys: dict[str, str]  # normalized tag or alias -> canonical tag


class Registry(PydanticHooks, Generic[TBase]):
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

    base_cls: type[TBase]
    """The class every registered class derives from."""

    def __init__(
        self,
        base_cls: type[TBase],
        discriminator: str = "name",
        *,
        builtins: str | None = None,
    ) -> None:
        self.base_cls = base_cls
        self.discriminator = discriminator
        self._builtins = builtins
        self._builtins_loaded = builtins is None
        self._state = _State({}, {})
        self._lock = threading.RLock()  # serializes writers; readers use one _state snapshot
        self._adapter: TypeAdapter[Any] | None = None  # built on first construct()
        self._type_name = None  # set by public_type()
        # One set per JSON-schema generator: the classes whose schema is being written,
        # so that a recursive registry (sequential -> phase -> any scheduler) emits a $ref.
        self._json_seen: weakref.WeakKeyDictionary[Any, set[type[BaseModel]]] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"Registry({self.base_cls.__name__}, tags={shorten(repr(self.tags()), 120)})"

    # ------------------------------------------------------------------ built-ins

    def _loaded(self) -> _State:
        """The current state, after the built-in classes are registered.

        The built-ins register themselves when their module (``builtins``) is imported. A
        thread that reaches the registry while another thread is still importing that module
        waits here for the import to finish (Python's per-module import lock), so it never
        sees a half-filled registry.
        """
        if not self._builtins_loaded and self._builtins is not None:
            # Inside the import itself (the module registering its classes) this returns
            # the partial module at once: only that thread can see the registry filling.
            module = importlib.import_module(self._builtins)
            spec = getattr(module, "__spec__", None)
            if not getattr(spec, "_initializing", False):
                self._builtins_loaded = True
        return self._state

    def _classes_now(self) -> dict[str, type[Any]]:
        return self._loaded().classes

    def _is_builtin(self, cls: type[Any]) -> bool:
        package = self._builtins
        return package is not None and (
            cls.__module__ == package or cls.__module__.startswith(package + ".")
        )

    # ------------------------------------------------------------------ registration

    def register(self, cls: TClass) -> TClass:
        """Class decorator: adds ``cls`` under the tag of its discriminator field.

        A class may also declare ``aliases: ClassVar[tuple[str, ...]]``: further names that
        are accepted (case-insensitively) and written back under the canonical tag. A tag or
        alias is ASCII letters, digits and ``_``, with at least one letter or digit.

        Registering a class with the same module and qualified name as the class holding its
        tag (a notebook cell run again) replaces that class, with a warning naming the tag.
        Registration is thread-safe: of two threads registering different classes under one
        tag, one wins and the other gets the error.

        Raises:
            RegistrationError: ``cls`` does not derive from the base class, its discriminator
                is not a one-value ``Literal``, its tag or an alias is malformed or taken.
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
        for name in (tag, *aliases):
            self._check_tag(cls, name)
        keys = {normalize_tag(tag)} | {normalize_tag(a) for a in aliases}
        if not self._is_builtin(cls):
            self._loaded()  # a user class meets every built-in tag
        with self._lock:
            classes, owners = dict(self._state.classes), dict(self._state.keys)
            replaced = self._replaced(cls, tag, classes)
            if replaced is not None:  # the same class, defined again: drop the old one
                classes.pop(tag)
                owners = {k: t for k, t in owners.items() if t != tag}
            for key in sorted(keys):
                owner_tag = owners.get(key)
                if owner_tag is not None and classes[owner_tag] is not cls:
                    owner = classes[owner_tag]
                    raise RegistrationError(
                        f"cannot register {cls.__qualname__} under {self.discriminator}="
                        f"{tag!r}: the name {key!r} is already taken by {owner.__qualname__} "
                        f"({self.discriminator}={owner_tag!r})"
                    )
            classes[tag] = cls
            owners.update(dict.fromkeys(keys, tag))
            self._state = _State(classes, owners)
        if replaced is not None:
            warnings.warn(
                f"{self.discriminator}={tag!r}: {cls.__module__}.{cls.__qualname__} was "
                "registered again; the new definition replaces the old one",
                stacklevel=2,
            )
        return typing.cast(TClass, cls)

    def _replaced(
        self, cls: type[Any], tag: str, classes: Mapping[str, type[Any]]
    ) -> type[Any] | None:
        """The class ``cls`` replaces: the holder of ``tag`` if it is another class of the
        same module and qualified name (a re-run notebook cell, a reloaded module)."""
        holder = classes.get(tag)
        if holder is None or holder is cls:
            return None
        same = (holder.__module__, holder.__qualname__) == (cls.__module__, cls.__qualname__)
        return holder if same else None

    def _check_tag(self, cls: type[Any], name: object) -> None:
        if not valid_tag(name):
            raise RegistrationError(
                f"cannot register {cls.__qualname__}: {name!r} is not a valid "
                f"{self.discriminator}; use ASCII letters, digits and '_', with at least one "
                "letter or digit"
            )

    def unregister(self, tag: str) -> type[TBase]:
        """Remove the user class registered under ``tag`` (or one of its aliases).

        Returns:
            The class removed.

        Raises:
            KeyError: Nothing is registered under ``tag``.
            RegistrationError: ``tag`` is a built-in of nshsched (built-ins stay).
        """
        self._loaded()
        with self._lock:
            canonical = self.resolve(tag)
            classes, owners = dict(self._state.classes), dict(self._state.keys)
            cls = classes[canonical]
            if self._is_builtin(cls):
                raise RegistrationError(
                    f"cannot unregister {self.discriminator}={canonical!r}: it is a built-in "
                    f"({cls.__qualname__}); only classes you registered can be removed"
                )
            del classes[canonical]
            owners = {k: t for k, t in owners.items() if t != canonical}
            self._state = _State(classes, owners)
        return typing.cast("type[TBase]", cls)

    @contextlib.contextmanager
    def scoped(self) -> Iterator[Registry[TBase]]:
        """A block whose registrations (and unregistrations) are undone when it ends.

        On exit the registry holds exactly what it held on entry, whatever happened inside
        (for tests and experiments). Installed plugins (:mod:`nshsched.plugins`) are loaded
        on entry, so that their classes, registered once per process, are not undone. Not meant to overlap with registrations made by other
        threads at the same time: those are undone too.

        Example:
            >>> from typing import Literal
            >>> import nshsched as S
            >>> with S.lr_scheduler_registry.scoped():
            ...     @S.lr_scheduler_registry.register
            ...     class Half(S.ClosedFormLRSchedulerConfigBase):
            ...         name: Literal["half"] = "half"
            ...         def multiplier(self, step, length):
            ...             return 0.5
            ...     "half" in S.lr_scheduler_registry
            True
            >>> "half" in S.lr_scheduler_registry
            False
        """
        self._loaded()
        from .plugins import on_unknown_tag

        on_unknown_tag()  # installed plugins load now, outside the block: never undone
        with self._lock:
            saved = self._state
        try:
            yield self
        finally:
            with self._lock:
                self._state = saved

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
        return sorted(self._loaded().classes)

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and self._find(tag) is not None

    def __iter__(self) -> typing.Iterator[type[TBase]]:
        classes = self._loaded().classes
        return iter([classes[t] for t in sorted(classes)])

    def __len__(self) -> int:
        return len(self._loaded().classes)

    def _find(self, tag: str) -> tuple[str, type[TBase]] | None:
        """The canonical tag and class for ``tag`` or one of its aliases; ``None`` if unknown.

        The one place an unknown tag is met (validation, :meth:`get`, ``in``).
        """
        state = self._loaded()
        canonical = state.keys.get(normalize_tag(tag))
        if canonical is None and (self._builtins is None or self._builtins_loaded):
            from .plugins import on_unknown_tag  # installed plugins may know it

            on_unknown_tag()
            state = self._state
            canonical = state.keys.get(normalize_tag(tag))
        if canonical is None:
            return None
        return canonical, state.classes[canonical]

    def resolve(self, tag: str) -> str:
        """The canonical tag for ``tag`` or one of its aliases.

        Raises:
            KeyError: Unknown tag; the message lists the registered tags and the closest one.
        """
        return self._lookup(tag)[0]

    def get(self, tag: str) -> type[TBase]:
        """The class registered under ``tag`` (or one of its aliases).

        Raises:
            KeyError: Unknown tag; the message lists the registered tags and the closest one.
        """
        return self._lookup(tag)[1]

    def _lookup(self, tag: str) -> tuple[str, type[TBase]]:
        found = self._find(tag)
        if found is None:
            raise KeyError(self._unknown_message(tag))
        return found

    def construct(self, data: TBase | Mapping[str, Any]) -> TBase:
        """Validate ``data`` (a mapping with the discriminator) into its registered class.

        An instance of a registered class is returned unchanged.

        Raises:
            pydantic.ValidationError: Unknown tag, or invalid fields (with their locations).
        """
        if self._adapter is None:
            self._adapter = TypeAdapter(typing.Annotated[self.base_cls, self])  # type: ignore[arg-type]
        try:
            return typing.cast(TBase, self._adapter.validate_python(data))
        except ValidationError as e:
            raise retitle(e, self.title_for(data), data=data) from None

    def from_file(self, path: str | os.PathLike[str]) -> TBase:
        """The config held by a YAML or JSON file (read safely), validated through this
        registry (its tag picks the class).

        Raises:
            ConfigValidationError: Not a valid config; titled with the file's name.
            nshsched.loading.limits.ConfigFileError: The file cannot be read or parsed.
        """
        from ..loading.yaml_files import load_file

        data = load_file(path)
        with titled(f"{os.fspath(path)} ({self.title_for(data)})", data=data):
            return self.construct(data)

    def title_for(self, data: Any) -> str:
        """The title of an error about ``data``: the class its tag names, else the type."""
        tag = data.get(self.discriminator) if isinstance(data, Mapping) else None
        found = self._find(tag) if isinstance(tag, str) else None
        return found[1].__name__ if found is not None else self.type_name

    def _tag_list(self) -> str:
        return tag_list(self.tags())

    def _unknown_message(self, tag: object) -> str:
        return unknown_tag_message(tag, self.tags(), self.discriminator, self.type_name)

    def _safe_tag(self, cls: type[BaseModel]) -> str:
        try:
            return self._tag_of(cls)
        except RegistrationError:
            return ""
