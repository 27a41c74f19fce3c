"""A stand-in for torchvision, so that timm's real models import where no torchvision loads.

timm (the reference the layer-decay test compares with) imports torchvision at import time
for its data pipeline (transforms, datasets, a frozen batch norm for ResNets). On this
project's CPU machines the only torchvision built for torch 2.13 is a CUDA build that fails
to load (``operator torchvision::nms does not exist``). The ViT/BEiT models and
``param_groups_layer_decay`` never call torchvision, so the test imports the real timm with
this stand-in in place of torchvision: every torchvision name resolves to a placeholder
class that raises if it is ever *called* — a use of torchvision in the compared code would
fail the test, not pass it silently. It is installed only inside the test (see
``tests/test_layer_decay.py``) and removed afterwards, with every module it let import.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import types
from typing import Any


class _Anything(type):
    """A class whose every attribute is another such class (enum members, transforms)."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(name, (), {})

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"torchvision stand-in: {cls.__name__} is not available")


class _Module(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(name, (), {})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = _Module(spec.name)
        module.__path__ = []  # a package: any submodule resolves through this finder
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


FINDER = _Finder()
