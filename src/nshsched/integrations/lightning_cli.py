"""nshsched configs as ``LightningModule.__init__`` parameters under ``LightningCLI``.

jsonargparse (the parser behind ``LightningCLI``) reads a parameter annotated
``S.OptimizerConfig`` or ``S.LRSchedulerConfig`` (or a field of that type inside
``S.OptimizationConfig``) as a *subclass type*: it accepts the class forms

- ``--model.optimization.scheduler=LinearSchedulerConfig --model.optimization.scheduler.warmup=3``
- ``{class_path: nshsched.LinearSchedulerConfig, init_args: {warmup: 3}}`` in a YAML file

and instantiates the class, so the module receives the config object. This module teaches
it nshsched's own form too, wherever such a type is parsed:

- ``{name: linear, warmup: 3}`` in a ``--config`` file or as a whole-field flag
  (``--model.optimization.scheduler='{name: linear, warmup: 3}'``);
- a bare tag: ``--model.optimization.scheduler=linear``.

A mapping with the registry's discriminator (``name``) and no ``class_path`` becomes
``{class_path: <the registered class>, init_args: <the other keys>}`` before jsonargparse
reads it; an unknown tag is the registry's error (with its ``did you mean``). Any
registered class works, a user's included (registry plugins are loaded on an unknown tag).

The adapter wraps jsonargparse's private ``adapt_typehints``: jsonargparse offers no public
hook for this. Its public ``jsonargparse.typing.register_type`` replaces the subclass
handling of the whole type, and its deserializer gets a field-level flag
(``--model.optimization.scheduler.warmup=3``) without the value the flag amends, so the
field-level form would be lost (docs: Supported versions and private names). nshsched
installs the adapter by itself when jsonargparse is imported (:mod:`nshsched.integrations.peers`), and
:func:`install_jsonargparse_adapter` does so explicitly.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.registry import Registry

__all__ = ["install_jsonargparse_adapter", "serialize_config", "to_subclass_spec"]

_WRAPPED = "__nshsched_adapter__"


def install_jsonargparse_adapter(typehints: ModuleType | None = None) -> None:
    """Teach jsonargparse nshsched's ``{name: tag, ...}`` form (idempotent).

    Args:
        typehints: the ``jsonargparse._typehints`` module (imported when not given).

    Raises:
        RuntimeError: this jsonargparse has no ``adapt_typehints`` to wrap.
    """
    if typehints is None:
        import jsonargparse._typehints as typehints
    original = getattr(typehints, "adapt_typehints", None)
    if original is None:
        raise RuntimeError("jsonargparse._typehints.adapt_typehints not found")
    if getattr(original, _WRAPPED, False):
        return

    @functools.wraps(original)
    def adapt_typehints(val: Any, typehint: Any, *args: Any, **kwargs: Any) -> Any:
        serialize = kwargs["serialize"] if "serialize" in kwargs else bool(args and args[0])
        if serialize:
            dumped = serialize_config(val, typehint)
            if dumped is not val:
                return dumped
        else:
            val = to_subclass_spec(val, typehint)
        return original(val, typehint, *args, **kwargs)

    setattr(adapt_typehints, _WRAPPED, True)
    setattr(typehints, "adapt_typehints", adapt_typehints)  # noqa: B010


def registry_of(typehint: Any) -> Registry[Any] | None:
    """The nshsched registry a type hint stands for: ``Annotated[Base, registry]``, or the
    base class of a built-in registry; else ``None``."""
    registry_module = sys.modules.get("nshsched.config.registry")
    if registry_module is None:  # no registry exists yet
        return None
    for meta in getattr(typehint, "__metadata__", ()):
        if isinstance(meta, registry_module.Registry):
            return meta
    if isinstance(typehint, type):
        for module_name, attr in (
            ("nshsched.optimizer.base", "optimizer_registry"),
            ("nshsched.lr_scheduler.base", "lr_scheduler_registry"),
        ):
            registry = getattr(sys.modules.get(module_name), attr, None)
            if registry is not None and registry.base_cls is typehint:
                return registry
    return None


def to_subclass_spec(val: Any, typehint: Any) -> Any:
    """``val`` in jsonargparse's subclass form when ``typehint`` is an nshsched registry
    type and ``val`` is in nshsched's form (a mapping with the tag, a YAML/JSON string of
    one, or a bare tag); anything else is returned unchanged.

    Example:
        >>> import nshsched as S
        >>> to_subclass_spec({"name": "linear", "warmup": 3}, S.LRSchedulerConfig)
        {'class_path': 'nshsched.lr_scheduler.hf.LinearSchedulerConfig', 'init_args': {'warmup': 3}}
        >>> to_subclass_spec("cosine", S.LRSchedulerConfig)
        'nshsched.lr_scheduler.hf.CosineSchedulerConfig'

    Raises:
        ValueError: the value is not a valid config (an unknown tag, a bad field): the
            text of the library's :class:`~nshsched.ConfigValidationError`.
    """
    registry = registry_of(typehint)
    if registry is None:
        return val
    disc = registry.discriminator
    if isinstance(val, str):
        text = val.strip()
        if text.startswith("{"):
            from ..loading.yaml_files import ConfigFileError, load_text

            try:
                val = load_text(text, "the value")
            except ConfigFileError:
                return val  # jsonargparse reports what it cannot read
        elif text and "." not in text and text in registry:
            return _import_path(registry.get(text))
        else:
            return val
    if isinstance(val, Mapping):
        items = dict(val)
    elif type(val).__name__ == "Namespace" and type(val).__module__.startswith("jsonargparse"):
        items = dict(vars(val))
    else:
        return val
    if "class_path" in items or "init_args" in items or disc not in items:
        return val
    if isinstance(val, Mapping):
        try:  # validated as everywhere else: the library's message, not jsonargparse's
            registry.construct(items)
        except ValueError as e:  # a plain ValueError: jsonargparse re-creates exceptions
            raise ValueError(str(e)) from None
    tag = items.pop(disc)
    if not (isinstance(tag, str) and tag in registry):
        raise ValueError(registry._unknown_message(tag))
    return {"class_path": _import_path(registry.get(tag)), "init_args": items}


def serialize_config(val: Any, typehint: Any) -> Any:
    """A config instance as jsonargparse writes it (``--print_config``, the saved
    ``config.yaml``): the class form for a registry type, the plain dump for any other
    config type; anything else is returned unchanged (jsonargparse serializes it).

    Example:
        >>> import nshsched as S
        >>> spec = serialize_config(S.LinearSchedulerConfig(warmup=3), S.LRSchedulerConfig)
        >>> spec["class_path"], spec["init_args"]["warmup"]
        ('nshsched.lr_scheduler.hf.LinearSchedulerConfig', 3)
    """
    config_module = sys.modules.get("nshsched.config.base")
    if config_module is None or not isinstance(val, config_module.Config):
        return val
    data = val.model_dump(mode="json")
    registry = registry_of(typehint)
    if registry is None or not isinstance(val, registry.base_cls):
        return data
    data.pop(registry.discriminator, None)
    return {"class_path": _import_path(type(val)), "init_args": data}


def _import_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
