"""The base class of the generated timm optimizer configs."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, model_validator
from typing_extensions import Self, override

from ..base import OptimizerConfigBase
from ..fields import Params

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = ["TimmOptimizerConfigBase"]


def _installed(module: str) -> bool:
    """Whether the top-level ``module`` can be found (a half-imported module in
    ``sys.modules`` without a spec counts as installed)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:
        return True


class TimmOptimizerConfigBase(OptimizerConfigBase):
    """An optimizer of timm's registry (``timm.optim.list_optimizers()``), built as
    ``timm.optim.create_optimizer_v2(params, opt=timm_name, **fields)`` builds it.

    Subclasses are generated (see :mod:`nshsched.optimizer.timm`): one per registry name,
    whose fields are the class's keyword arguments with the defaults timm's factory binds.
    """

    # The generated classes carry their descriptions in Field(description=...); reading
    # attribute docstrings from source would search every module for each of ~100 classes.
    model_config = ConfigDict(use_attribute_docstrings=False)

    timm_name: ClassVar[str]
    """The name in timm's registry (``create_optimizer_v2(opt=...)``)."""

    timm_class_path: ClassVar[str]
    """The optimizer class, dotted (``timm.optim.lion.Lion``, ``torch.optim.sgd.SGD``,
    ``bitsandbytes.optim.AdamW8bit``)."""

    timm_description: ClassVar[str] = ""
    """The registry entry's description."""

    timm_defaults: ClassVar[Mapping[str, Any]] = {}
    """The registry entry's own defaults (``caution: True`` for the ``c*`` names...)."""

    package: ClassVar[str | None] = None
    """The package the class comes from when it is not timm or torch (``bitsandbytes``,
    ``apex``): building needs it installed."""

    dtype_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields holding a dtype name, passed to the class as ``torch.<name>``."""

    omitted: ClassVar[tuple[str, ...]] = ()
    """Keywords of the class with no config form (the class's default applies)."""

    aliases: ClassVar[tuple[str, ...]] = ()
    """Further tags: the bare timm name where no other config holds it, timm's own aliases
    (``nesterov`` of ``sgd``); set by :func:`~nshsched.optimizer.timm.register`."""

    nesterov_needs_momentum: ClassVar[bool] = False
    """The class refuses ``nesterov`` without momentum or with dampening."""

    @model_validator(mode="after")
    def _check_combinations(self) -> Self:
        # What the classes raise when built, said at validation with the values.
        fused, foreach = getattr(self, "fused", None), getattr(self, "foreach", None)
        if fused and foreach:
            raise ValueError(f"{fused=} and {foreach=} cannot both be True")
        if self.nesterov_needs_momentum and getattr(self, "nesterov", False):
            momentum, dampening = getattr(self, "momentum", 0.0), getattr(self, "dampening", 0.0)
            if not momentum or dampening:
                raise ValueError(
                    f"nesterov=True requires momentum > 0 and dampening == 0, got {momentum=}, "
                    f"{dampening=}"
                )
        return self

    @classmethod
    def optimizer_class(cls) -> type[Optimizer]:
        """The optimizer class (its package imported now).

        Raises:
            ImportError: The class's package (``bitsandbytes``, ``apex``) is not installed
                (the message names it), or importing it fails (timm without a torchvision
                that loads).
        """
        module_name, _, attr = cls.timm_class_path.rpartition(".")
        top = module_name.split(".", 1)[0]
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a torchvision that fails to load raises RuntimeError
            if not _installed(top):
                package = cls.package or top
                raise ImportError(
                    f"{cls.__name__} (timm's {cls.timm_name!r}) needs the package "
                    f"{package!r} for {cls.timm_class_path}, which is not installed"
                    + (
                        " (NVIDIA Apex, built from its source with CUDA)"
                        if package == "apex"
                        else f": pip install {package}"
                    )
                ) from error
            raise ImportError(
                f"{cls.__name__} (timm's {cls.timm_name!r}) cannot import "
                f"{cls.timm_class_path}: {type(error).__name__}: {error} (timm.optim imports "
                "timm's models, which need a torchvision that loads with the installed torch)"
            ) from error
        return getattr(module, attr)  # type: ignore[no-any-return]

    def optimizer_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for :meth:`optimizer_class`: every field but ``name``
        (dtype names as ``torch.<name>``; for a lazily imported class, fields left at
        ``None`` are not passed, so the package's own defaults apply)."""
        import torch

        kwargs: dict[str, Any] = {}
        for key in type(self).model_fields:
            if key == "name":
                continue
            value = getattr(self, key)
            if key in self.dtype_fields and value is not None:
                value = getattr(torch, value)
            elif isinstance(value, list):
                value = [tuple(v) if isinstance(v, list) else v for v in value]
            if value is None and self.package is not None:
                continue
            kwargs[key] = value
        return kwargs

    @override
    def create_optimizer(self, params: Params) -> Optimizer:
        """Build the class with every field as a keyword: what
        ``timm.optim.create_optimizer_v2(params, opt=timm_name, **fields)`` builds.

        A field the installed class does not take (the fields follow the snapshot's timm
        and the newest torch) is left out at its default, and an error otherwise.

        Args:
            params: An iterable of parameters or of param-group dicts.

        Raises:
            ImportError: The class's package is not installed (``bitsandbytes``, ``apex``).
            ValueError: A field set to a non-default value that the installed class lacks.
        """
        opt_class = self.optimizer_class()
        kwargs = self.optimizer_kwargs()
        parameters = inspect.signature(opt_class).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            for key in [k for k in kwargs if k not in parameters]:
                if getattr(self, key) != type(self).model_fields[key].default:
                    raise ValueError(
                        f"{type(self).__name__}.{key}={getattr(self, key)!r}: the installed "
                        f"{self.timm_class_path} has no {key!r} keyword; upgrade its package "
                        f"or leave {key} at its default"
                    )
                del kwargs[key]
        return opt_class(params, **kwargs)
