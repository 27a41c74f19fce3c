"""A griffe extension for the API reference: the library's docstrings use a few RST idioms
(``.. math::`` blocks, ``:math:``/``:class:`` roles, double backticks) and ``Example:``
sections; this turns them into what mkdocstrings renders (arithmatex math, inline code,
Google ``Examples:`` with doctest code blocks). Only the rendered docs change, never the code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|obj|data|exc|ref):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.M)


def rst_to_markdown(text: str) -> str:
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(".. math::"):
            indent = line[: len(line) - len(line.lstrip())]
            body = [stripped[len(".. math::") :].strip()]
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
            ):
                body.append(lines[i].strip())
                i += 1
            out += [indent + "$$", *(indent + b for b in body if b), indent + "$$", ""]
            continue
        out.append(line)
        i += 1
    text = "\n".join(out)
    text = _EXAMPLE.sub(r"\1Examples:", text)
    text = _MATH_ROLE.sub(lambda m: f"\\({m.group(1)}\\)", text)
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return text.replace("``", "`")


class RstDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        # A config field declared with a shared type (``maximize: Maximize = False``) has its
        # description on the type, written once (nshsched.optimizer.fields), not beside the
        # field: show that description as the field's docstring.
        if not cls.path.startswith("nshsched."):
            return
        import importlib

        try:
            runtime_cls = getattr(importlib.import_module(cls.module.path), cls.name)
        except (ImportError, AttributeError):
            return
        fields = getattr(runtime_cls, "model_fields", None)
        if not isinstance(fields, dict):
            return
        for name, member in cls.members.items():
            info = fields.get(name)
            if member.is_attribute and member.docstring is None and info and info.description:
                member.docstring = griffe.Docstring(
                    rst_to_markdown(info.description), parent=member
                )

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        # nshsched lists its public names once, in __init__.pyi (``from .x import Y as Y``),
        # and __init__.py builds ``__all__`` from that file at run time, which griffe does not
        # evaluate: give it the same list, so the reference renders every public name.
        if pkg.path == "nshsched":
            import nshsched

            pkg.exports = list(nshsched.__all__)
