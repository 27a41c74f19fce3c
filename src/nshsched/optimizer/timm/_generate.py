"""One config class per name of timm's optimizer registry, generated from the registry entry
and the class's signature."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, create_model

from ._fields import OVERRIDES, SPECS, Spec
from .base import TimmOptimizerConfigBase

__all__ = ["MODULE", "bound_defaults", "class_name", "describe", "make_config", "tag_of"]

MODULE = "nshsched.optimizer.timm"
"""The module the generated classes live in (and are found in by checkpoints)."""

PACKAGES = {"bitsandbytes": "bitsandbytes", "apex": "apex"}
"""Top-level modules of the lazily imported classes -> the package that provides them."""

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def tag_of(name: str) -> str:
    """The canonical nshsched tag of timm's optimizer ``name``: ``timm_<name>``."""
    return f"timm_{name}"


def class_name(name: str) -> str:
    """The generated class's name: ``lion`` -> ``TimmLionConfig``."""
    return f"Timm{name[:1].upper()}{name[1:]}Config"


def _allows_none(annotation: Any, default: Any) -> bool:
    if default is None:
        return True
    if annotation is inspect.Parameter.empty:
        return False
    if isinstance(annotation, str):
        return "None" in annotation or "Optional" in annotation
    return type(None) in typing.get_args(annotation) or annotation is type(None)


def _plain_default(value: Any) -> Any:
    """A default as config data: a ``torch.dtype`` becomes its name (``"bfloat16"``)."""
    if type(value).__name__ == "dtype" and str(value).startswith("torch."):
        return str(value).removeprefix("torch.")
    if isinstance(value, list):
        return tuple(value)
    return value


def _inferred(default: Any) -> Spec | None:
    """A type for a keyword missing from the table, from its default; ``None``: unknown."""
    doc = "Passed to the class as is."
    if isinstance(default, bool):
        return Spec(bool, doc)
    if isinstance(default, int):
        return Spec(int, doc)
    if isinstance(default, float):
        return Spec(float, doc)
    if isinstance(default, str):
        return Spec(str, doc)
    if isinstance(default, tuple) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in default
    ):
        return Spec(tuple[tuple(float for _ in default)], doc)  # type: ignore[misc]
    return None


def _betas_type(spec: Spec, count: int) -> Any:
    return tuple[tuple(spec.annotation for _ in range(count))]  # type: ignore[misc]


def _lazy_parameters(info: Any) -> list[tuple[str, Any, Any]]:
    """``(keyword, default, annotation)`` for a class imported lazily by timm (bitsandbytes,
    apex), whose signature is unknown until its package is installed: the keywords that
    ``create_optimizer_v2`` itself sets for the entry. ``None`` defaults leave the
    package's own default."""
    empty = inspect.Parameter.empty
    params: list[tuple[str, Any, Any]] = [("lr", empty, empty), ("weight_decay", 0.0, empty)]
    if info.has_momentum:
        params.append(("momentum", 0.9, empty))
    if info.has_eps:
        params.append(("eps", None, empty))
    if info.has_betas:
        params.append(("betas", None, empty))
    known = {p[0] for p in params}
    params += [(k, v, empty) for k, v in (info.defaults or {}).items() if k not in known]
    return params


def _signature_parameters(opt_class: type) -> list[tuple[str, Any, Any]]:
    sig = inspect.signature(opt_class)
    return [
        (p.name, p.default, p.annotation)
        for p in list(sig.parameters.values())[1:]  # after ``params``
        if p.kind not in _VARIADIC
    ]


def bound_defaults(info: Any, parameters: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The default of each keyword as ``create_optimizer_v2(params, opt=name, lr=...)`` binds
    it: the registry entry's ``defaults`` over the class's, ``momentum=0.9`` where the entry
    has momentum (and does not set it), and ``weight_decay=0`` (the factory's default)."""
    defaults = {name: default for name, default, _ in parameters}
    defaults.update(info.defaults or {})
    if info.has_momentum and "momentum" in defaults and "momentum" not in (info.defaults or {}):
        defaults["momentum"] = 0.9
    if "weight_decay" in defaults:
        defaults["weight_decay"] = 0.0
    return defaults


def _plain(value: Any) -> Any:
    """A default as JSON data: tuples as lists, a ``torch.dtype`` as its name."""
    value = _plain_default(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def describe(info: Any) -> dict[str, Any]:
    """What the config of one registry entry (``timm.optim.OptimInfo``) is made from, as
    JSON data: the snapshot entry (see :data:`nshsched.optimizer.timm.SNAPSHOT`)."""
    lazy = isinstance(info.opt_class, str)
    if lazy:
        class_path = info.opt_class
        parameters = _lazy_parameters(info)
        top = class_path.split(".", 1)[0]
        package = PACKAGES.get(top, top)
    else:
        class_path = f"{info.opt_class.__module__}.{info.opt_class.__qualname__}"
        parameters = _signature_parameters(info.opt_class)
        package = None
    defaults = bound_defaults(info, parameters)
    fields = []
    for key, class_default, annotation in parameters:
        default = defaults[key]
        field: dict[str, Any] = {"name": key}
        if key != "lr" and default is not inspect.Parameter.empty:
            field["default"] = _plain(default)
        field["nullable"] = key != "lr" and (
            _allows_none(annotation, class_default) or default is None
        )
        if key in ("betas", "betas_1d"):
            field["count"] = len(default) if isinstance(default, tuple) else info.num_betas
        fields.append(field)
    return {
        "name": info.name,
        "class": class_path,
        "description": info.description,
        "package": package,
        "defaults": {k: _plain(v) for k, v in (info.defaults or {}).items()},
        "fields": fields,
    }


def make_config(entry: dict[str, Any]) -> type[TimmOptimizerConfigBase]:
    """The config class of one snapshot entry (see :func:`describe`)."""
    name, class_path = entry["name"], entry["class"]
    class_short = class_path.rsplit(".", 1)[-1]
    fields: dict[str, Any] = {"name": (Literal[tag_of(name)], tag_of(name))}
    dtype_fields: list[str] = []
    omitted: list[str] = []
    for field in entry["fields"]:
        key = field["name"]
        default = field.get("default", inspect.Parameter.empty)
        if isinstance(default, list) and key != "ns_coefficients":
            default = tuple(default)
        spec = OVERRIDES.get((class_short, key)) or SPECS.get(key) or _inferred(default)
        if spec is None:
            omitted.append(key)  # no JSON form (a callable...): the class default applies
            continue
        kind = spec.annotation
        if "count" in field:
            kind = _betas_type(spec, field["count"])
        if key in ("mu_dtype", "precond_dtype", "momentum_dtype"):
            dtype_fields.append(key)
        if field["nullable"]:
            kind = kind | None
        if default is inspect.Parameter.empty:
            fields[key] = (kind, Field(description=spec.doc))
        else:
            fields[key] = (kind, Field(default=default, description=spec.doc))
    bound = {k: tuple(v) if isinstance(v, list) else v for k, v in entry["defaults"].items()}
    cls = create_model(  # type: ignore[call-overload]
        class_name(name),
        __base__=TimmOptimizerConfigBase,
        __module__=MODULE,
        __doc__=_docstring(entry, bound),
        **fields,
    )
    cls.timm_name = name
    cls.timm_class_path = class_path
    cls.timm_description = entry["description"]
    cls.timm_defaults = types.MappingProxyType(bound)
    cls.package = entry["package"]
    cls.dtype_fields = frozenset(dtype_fields)
    cls.omitted = tuple(omitted)
    cls.nesterov_needs_momentum = class_short in ("SGD", "SGDW", "Lars")
    cls.__summary__ = _summary(entry)  # type: ignore[attr-defined]  # `nshsched list`
    return typing.cast(type[TimmOptimizerConfigBase], cls)


def _summary(entry: dict[str, Any]) -> str:
    """timm's own description of the entry, as one sentence naming the class."""
    description = str(entry["description"]).strip().rstrip(".")
    short = entry["class"].rsplit(".", 1)[-1]
    if description.startswith(f"torch.optim.{short}"):  # "torch.optim.SGD, ...": said below
        description = description[len(f"torch.optim.{short}") :].lstrip(" ,")
    text = f"timm's {entry['name']} ({short})"
    return f"{text}: {description}." if description else f"{text}."


def _docstring(entry: dict[str, Any], bound: Mapping[str, Any]) -> str:
    name, class_path, package = entry["name"], entry["class"], entry["package"]
    description = entry["description"]
    lines = [
        f"timm's ``{name}`` optimizer: ``{class_path}``"
        + (f" ({description})." if description else "."),
        "",
        f"Builds what ``timm.optim.create_optimizer_v2(params, opt={name!r}, lr=lr, "
        "**fields)`` builds: the fields are the class's keyword arguments, with the defaults "
        "timm's factory binds"
        + (
            " (the registry entry's " + ", ".join(f"``{k}={v!r}``" for k, v in bound.items())
            if bound
            else " ("
        )
        + ("; " if bound else "")
        + "``weight_decay`` 0 and, where the entry has momentum, ``momentum`` 0.9). "
        "``lr`` is required.",
    ]
    if package is not None:
        lines += [
            "",
            f"The class comes from the package ``{package}``: the config validates without "
            "it, building it needs it. Until then the fields are those "
            "``create_optimizer_v2`` sets for every optimizer of the entry (``None``: the "
            "package's default).",
        ]
    return "\n".join(lines)
