"""The optimizer config base class, its registry, and the bridge to ``torch.optim``."""

from __future__ import annotations

import inspect
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import model_validator
from typing_extensions import Self, override

from ..config.base import Config
from ..config.registry import Registry
from .fields import Params

if TYPE_CHECKING:
    from torch.optim import Optimizer

__all__ = [
    "OptimizerConfig",
    "OptimizerConfigBase",
    "TorchOptimizerConfigBase",
    "optimizer_registry",
]


class OptimizerConfigBase(Config):
    """Base class of every optimizer config.

    A subclass declares ``name: Literal["tag"] = "tag"``, its fields and
    :meth:`create_optimizer`, and is registered with ``@optimizer_registry.register``.
    Configs of ``torch.optim`` classes derive from :class:`TorchOptimizerConfigBase`, which
    implements :meth:`create_optimizer` from the fields.
    """

    def check_schedules(self, schedules: Sequence[tuple[str, Any]]) -> None:
        """Called when an :class:`~nshsched.OptimizationConfig` with this optimizer is
        validated, with the schedules that will drive it (``(where, config)`` pairs, e.g.
        ``("scheduler", CosineSchedulerConfig(...))``): a subclass that does not go well
        with some schedules warns or raises here. The default accepts every schedule."""

    @abstractmethod
    def create_optimizer(self, params: Params) -> Optimizer:
        """Build the optimizer.

        Args:
            params: What torch optimizers accept: an iterable of parameters, of param-group
                dicts (``{"params": [...], "lr": ...}``), or of ``(name, parameter)`` pairs.
        """


optimizer_registry = Registry(
    OptimizerConfigBase,  # type: ignore[type-abstract]
    builtins="nshsched.optimizer",
)
"""Every optimizer config, by tag. Torch class names (``"AdamW"``, ``"RMSprop"``) resolve too."""

OptimizerConfig = Annotated[OptimizerConfigBase, optimizer_registry]
"""Field type accepting any registered optimizer config (resolved at validation time)."""
optimizer_registry.public_type(OptimizerConfig, "OptimizerConfig")


class TorchOptimizerConfigBase(OptimizerConfigBase):
    """An optimizer config whose fields are exactly the keywords of a ``torch.optim`` class.

    Subclasses set :attr:`torch_name` (the class name in ``torch.optim``) and declare one field
    per torch keyword, with torch's name and default (``lr`` has no default). The optimizer is
    built as ``torch_cls(params, **fields)``: each torch argument is written once, as a field.

    With an older torch whose class lacks a keyword, a field left at its default is dropped
    (the older torch behaves as that default); a field set to anything else is an error. A
    ``torch.optim`` class missing from the installed torch is an error naming the version
    that has it (:attr:`torch_min_version`).
    """

    torch_name: ClassVar[str]
    """The class name in ``torch.optim``."""

    torch_min_version: ClassVar[str | None] = None
    """The first torch release with :attr:`torch_name` (``None``: older than torch 2.0)."""

    torch_keyword_versions: ClassVar[Mapping[str, str]] = {}
    """Keywords newer than the class itself: keyword -> the first torch release with it
    (named in the error when such a keyword is set with an older torch)."""

    @model_validator(mode="after")
    def _check_fused(self) -> Self:
        # torch raises these at construction; say so at validation instead, with the values.
        fused, foreach = getattr(self, "fused", None), getattr(self, "foreach", None)
        differentiable = getattr(self, "differentiable", False)
        if fused and foreach:
            raise ValueError(f"{fused=} and {foreach=} cannot both be True")
        if fused and differentiable:
            raise ValueError(f"{fused=} does not support {differentiable=}")
        return self

    @model_validator(mode="after")
    def _check_decay_per_step(self) -> Self:
        # Every torch optimizer scales its decay term by the LR: beyond lr * decay = 1 one
        # step removes more than the whole weight (its sign flips) and the weights grow
        # geometrically, to inf in float32 within a few steps.
        lr = getattr(self, "lr", None)
        for key in ("weight_decay", "lambd"):
            decay = getattr(self, key, None)
            if isinstance(lr, float) and isinstance(decay, float) and lr * decay > 1:
                raise ValueError(
                    f"lr * {key} must be <= 1, got {lr=} * {key}={decay} = {lr * decay:.3g}: "
                    "one step would remove more than the whole weight"
                )
        return self

    @classmethod
    def torch_class(cls) -> type[Optimizer]:
        """The ``torch.optim`` class (imported now, not when nshsched is imported).

        Raises:
            RuntimeError: The installed torch does not have the class.
        """
        import torch
        import torch.optim

        torch_cls = getattr(torch.optim, cls.torch_name, None)
        if torch_cls is None:
            need = f"torch>={cls.torch_min_version}" if cls.torch_min_version else "a newer torch"
            raise RuntimeError(
                f"{cls.__name__} needs torch.optim.{cls.torch_name}, which the installed "
                f"torch {torch.__version__} does not have; it needs {need}"
            )
        return torch_cls  # type: ignore[no-any-return]

    def torch_kwargs(self, torch_cls: type[Optimizer] | None = None) -> dict[str, Any]:
        """The keyword arguments for ``torch_cls``: every field except ``name``.

        Raises:
            ValueError: A field ``torch_cls`` does not accept was set to a non-default value.
        """
        torch_cls = torch_cls or self.torch_class()
        accepted = inspect.signature(torch_cls).parameters
        kwargs: dict[str, Any] = {}
        for key, info in type(self).model_fields.items():
            if key == "name":
                continue
            value = getattr(self, key)
            if key not in accepted:
                if value == info.default:
                    continue
                import torch

                since = self.torch_keyword_versions.get(key)
                need = f"torch>={since}" if since else "a newer torch"
                raise ValueError(
                    f"{type(self).__name__}.{key}={value!r} needs {need}: "
                    f"torch.optim.{self.torch_name} in the installed torch {torch.__version__} "
                    f"has no {key!r} keyword; upgrade torch or leave {key} at its default "
                    f"{info.default!r}"
                )
            kwargs[key] = value
        return kwargs

    @override
    def create_optimizer(self, params: Params) -> Optimizer:
        """Build ``torch.optim.<torch_name>(params, **fields)``.

        Args:
            params: An iterable of parameters, of param-group dicts (their keys override
                these fields for that group), or of ``(name, parameter)`` pairs.
        """
        torch_cls = self.torch_class()
        return torch_cls(params, **self.torch_kwargs(torch_cls))
