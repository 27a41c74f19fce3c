"""timm's optimizers (``timm.optim``) as typed configs: one per name of timm's registry.

:func:`register` generates a config class for every name of ``timm.optim.list_optimizers()``
and registers it under the tag ``timm_<name>``; the bare timm name (``lion``, ``lamb``,
``adan``, ``clion``...) is an alias wherever no other config holds it. The 11 names that are
torch's tags too (``adam``, ``adamw``, ``sgd``, ``nadam``, ``radam``, ``rmsprop``,
``adadelta``, ``adagrad``, ``adamax``, ``adafactor``, ``muon``) keep torch's meaning; timm's
are ``timm_adam``, ``timm_sgd``... A dump always writes ``timm_<name>``, so a config file
says which library it means. timm's own aliases (``nesterov`` for ``sgd``, ``nesterovw`` for
``sgdw``) are aliases here too: ``timm_nesterov`` reads as ``timm_sgd``.

Each class's fields are the optimizer class's keyword arguments (from its signature), with
the defaults ``create_optimizer_v2(params, opt=name, lr=lr)`` binds: the registry entry's
``defaults`` (``nesterov=True`` for ``sgd``, ``caution=True`` for the ``c*`` names...),
``weight_decay=0`` and, where the entry has momentum, ``momentum=0.9``. ``lr`` is required.
Building gives timm's class with every field as a keyword argument.

Registration is lazy: nshsched declares :func:`register` as an entry point of the group
``nshsched``, loaded the first time a registry meets a tag it does not know, and by
``nshsched list``/``schema`` (see :mod:`nshsched.plugins`). ``import nshsched`` never imports
timm. Without timm installed, :func:`register` does nothing.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from .base import TimmOptimizerConfigBase

__all__ = ["TORCH_TAGS", "TimmOptimizerConfigBase", "config_classes", "register"]

TORCH_TAGS = frozenset(
    {"adam", "adamw", "sgd", "nadam", "radam", "rmsprop", "adadelta", "adagrad", "adamax"}
    | {"adafactor", "muon"}
)
"""timm names that are also tags of nshsched's torch configs (timm 1.0.31): they keep
torch's meaning; timm's are only ``timm_<name>``."""

_lock = threading.RLock()
_classes: dict[str, type[TimmOptimizerConfigBase]] = {}  # timm name (aliases too) -> class
_by_class_name: dict[str, type[TimmOptimizerConfigBase]] = {}


def _generate_all() -> dict[str, type[TimmOptimizerConfigBase]]:
    """Every class, generated once per process (timm imported here). A name that timm
    registers as an alias of another (``nesterov`` of ``sgd``) maps to that name's class."""
    with _lock:
        if not _classes:
            import timm.optim

            from ._generate import make_config

            names: list[str] = [str(n) for n in timm.optim.list_optimizers()]
            infos = {name: timm.optim.get_optimizer_info(name) for name in names}
            made = {n: make_config(info) for n, info in infos.items() if info.name == n}
            for name, info in infos.items():
                if name not in made:
                    made[name] = made[info.name]
            _classes.update(made)
            _by_class_name.update({cls.__name__: cls for cls in made.values()})
        return dict(_classes)


def config_classes() -> dict[str, type[TimmOptimizerConfigBase]]:
    """timm's registry name -> its config class (generated, not registered); timm's
    aliases (``nesterov``, ``nesterovw``) map to their target's class.

    Raises:
        ImportError: timm (with what ``timm.optim`` imports) cannot be imported.
    """
    return _generate_all()


def register(*, required: bool = False) -> list[str]:
    """Register a config for every optimizer of timm's registry (idempotent).

    The entry point ``timm`` of the group ``nshsched`` calls it. Calling it again after a
    registry was restored (``registry.scoped()``) registers the same classes again.

    Args:
        required: Raise when timm is not installed (the entry point passes ``False``:
            without timm there is nothing to register).

    Returns:
        The tags registered by this call (``[]`` when all were registered already).

    Raises:
        ImportError: timm is installed but ``timm.optim`` fails to import (e.g. its
            torchvision does not load), or ``required`` and timm is not installed.
    """
    from ..base import optimizer_registry

    if importlib.util.find_spec("timm") is None:
        if required:
            raise ImportError("timm's optimizers need timm: pip install timm")
        return []
    classes = _generate_all()
    names: dict[type[TimmOptimizerConfigBase], list[str]] = {}
    for name, cls in sorted(classes.items()):
        names.setdefault(cls, []).append(name)
    added = []
    with _lock:
        state = optimizer_registry._loaded()  # the built-ins first: they keep their names
        for cls, timm_names in names.items():
            tag = cls.model_fields["name"].default
            if state.classes.get(tag) is cls:
                continue
            aliases = [f"timm_{n}" for n in timm_names if n != cls.timm_name]
            aliases += [n for n in timm_names if state.keys.get(_key(n)) in (None, tag)]
            cls.aliases = tuple(aliases)
            optimizer_registry.register(cls)
            state = optimizer_registry._state
            added.append(tag)
    return added


def _key(tag: str) -> str:
    return tag.replace("_", "").replace("-", "").lower()


def __getattr__(name: str) -> Any:
    # PEP 562: ``nshsched.optimizer.timm.TimmLionConfig`` (how a checkpoint names a config
    # class) generates and registers the classes on first access.
    if name.startswith("Timm") and name.endswith("Config"):
        register(required=True)
        cls = _by_class_name.get(name)
        if cls is not None:
            return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
