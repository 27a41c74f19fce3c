"""The base class of every nshsched config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Config"]


class Config(BaseModel):
    """Base class of every config in nshsched.

    Extra keys are forbidden (a misspelled field is an error, never silently ignored),
    attribute docstrings become field descriptions in the JSON schema, assignments are
    validated, and building the validator is deferred to first use so that importing
    nshsched stays cheap.
    """

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        validate_assignment=True,
        validate_default=True,
        defer_build=True,
        protected_namespaces=(),
    )
