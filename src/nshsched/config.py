"""The base class of every nshsched config."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from ._containers import to_plain

__all__ = ["Config"]


class Config(BaseModel):
    """Base class of every config in nshsched.

    Extra keys are forbidden (a misspelled field is an error, never silently ignored),
    attribute docstrings become field descriptions in the JSON schema, assignments are
    validated, and building the validator is deferred to first use so that importing
    nshsched stays cheap.

    Configs are plain values: two configs are equal when they are of the same class and
    their fields are equal (private state, such as a warn-once flag, takes no part), and a
    config pickles as its class path and its ``model_dump()``, which is what lets a
    Lightning checkpoint holding configs load under ``torch.load(weights_only=True)`` (see
    :mod:`nshsched._checkpoint`). OmegaConf ``DictConfig``/``ListConfig`` input is read as
    the plain dict/list it resolves to.

    Example:
        >>> import pickle
        >>> from nshsched import StepsConfig
        >>> pickle.loads(pickle.dumps(StepsConfig(value=3))) == StepsConfig(value=3)
        True
    """

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        validate_assignment=True,
        validate_default=True,
        defer_build=True,
        protected_namespaces=(),
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_input(cls, data: Any) -> Any:
        """OmegaConf containers (the whole input or a field's value) become plain data."""
        return to_plain(data, shallow_mapping=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        if type(self) is not type(other):
            return False
        fields = type(self).model_fields
        return all(self.__dict__.get(k) == other.__dict__.get(k) for k in fields) and (
            self.__pydantic_extra__ == other.__pydantic_extra__
        )

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, Any]]]:
        from ._checkpoint import rebuild

        cls = type(self)
        return rebuild, (f"{cls.__module__}:{cls.__qualname__}", self.model_dump(round_trip=True))
