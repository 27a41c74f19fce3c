"""Durations: each kind, the rounding rule, and invalid values."""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nshsched as S
from nshsched.duration import round_steps

DURATION = pydantic.TypeAdapter(S.DurationConfig)


def length(spe: int = 10, total: int = 100) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=spe, total_steps=total)


# ---------------------------------------------------------------------- each kind


def test_steps_are_optimizer_steps_whatever_the_length() -> None:
    assert S.StepsConfig(value=7).to_steps(length(3, 5)) == 7
    assert S.StepsConfig(value=0).to_steps(length()) == 0
    assert S.StepsConfig(value=2.0).value == 2  # a whole float is accepted as an int


@pytest.mark.parametrize(
    ("value", "spe", "expected"),
    [
        (0.0, 5, 0),
        (1.0, 7, 7),
        (2.0, 3, 6),
        (2.5, 3, 8),  # 7.5 -> 8 (halves up)
        (0.5, 3, 2),  # 1.5 -> 2
        (0.5, 1, 1),  # 0.5 -> 1
        (0.25, 2, 1),  # 0.5 -> 1
        (0.1, 3, 0),  # 0.3 -> 0
        (0.3, 5, 2),  # 1.5 -> 2
        (1.25, 4, 5),
    ],
)
def test_epochs_to_steps_table(value: float, spe: int, expected: int) -> None:
    assert S.EpochsConfig(value=value).to_steps(length(spe, 1000)) == expected
    # The formula: round(value * steps_per_epoch), halves up.
    assert expected == math.floor(value * spe + 0.5)


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [
        (0.0, 7, 0),
        (1.0, 7, 7),
        (0.3, 10, 3),
        (0.05, 10, 1),  # 0.5 -> 1 (halves up)
        (0.25, 10, 3),  # 2.5 -> 3
        (0.35, 10, 4),  # 3.5 -> 4
        (0.5, 3, 2),  # 1.5 -> 2
        (0.1, 4, 0),  # 0.4 -> 0
        (0.5, 1, 1),
    ],
)
def test_fraction_to_steps_table(value: float, total: int, expected: int) -> None:
    assert S.FractionConfig(value=value).to_steps(length(3, total)) == expected
    assert expected == math.floor(value * total + 0.5)


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0.0, 0), (0.49, 0), (0.5, 1), (1.5, 2), (2.5, 3), (3.49999, 3), (7.0, 7), (7.5, 8)],
)
def test_round_steps_halves_up(x: float, expected: int) -> None:
    # Not Python's round(), which sends 0.5 -> 0 and 2.5 -> 2 (banker's rounding).
    assert round_steps(x) == expected
    assert isinstance(round_steps(x), int)


def test_union_discriminates_on_kind_and_round_trips() -> None:
    for data, cls in [
        ({"kind": "steps", "value": 3}, S.StepsConfig),
        ({"kind": "epochs", "value": 1.5}, S.EpochsConfig),
        ({"kind": "fraction", "value": 0.25}, S.FractionConfig),
    ]:
        d = DURATION.validate_python(data)
        assert type(d) is cls
        assert DURATION.validate_json(DURATION.dump_json(d)) == d
        assert d.model_dump() == data


def test_training_length_epochs_and_frozen() -> None:
    tl = length(4, 10)
    assert tl.epochs == 2.5
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        tl.total_steps = 3  # type: ignore[misc]


# ---------------------------------------------------------------------- invalid values


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (lambda: S.StepsConfig(value=-1), "value", "greater than or equal to 0"),
        (lambda: S.StepsConfig(value=2.5), "value", "fractional part"),
        (lambda: S.EpochsConfig(value=-0.5), "value", "greater than or equal to 0"),
        (lambda: S.EpochsConfig(value=math.inf), "value", "finite"),
        (lambda: S.EpochsConfig(value=math.nan), "value", "finite"),
        (lambda: S.FractionConfig(value=1.5), "value", "less than or equal to 1"),
        (lambda: S.FractionConfig(value=-0.1), "value", "greater than or equal to 0"),
        (lambda: S.FractionConfig(value=math.inf), "value", "finite|less than or equal"),
        (lambda: S.StepsConfig(value=1, extra=2), "extra", "not a field of StepsConfig"),
        (lambda: length(0, 10), "steps_per_epoch", "greater than 0"),
        (lambda: length(10, 0), "total_steps", "greater than 0"),
        (lambda: length(10, -5), "total_steps", "greater than 0"),
        (lambda: length(10, math.inf), "total_steps", "finite"),  # type: ignore[arg-type]
        (lambda: length(math.inf, 10), "steps_per_epoch", "finite"),  # type: ignore[arg-type]
        (lambda: length(10, math.nan), "total_steps", "finite"),  # type: ignore[arg-type]
    ],
)
def test_invalid_values_name_the_field(build, field: str, message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=rf"(?s)\n  {field}: .*({message})"):
        build()


def test_unknown_kind_is_rejected_naming_kind_and_tags() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"'minutes'.*'kind'.*'steps', 'epochs'"):
        DURATION.validate_python({"kind": "minutes", "value": 1})
    with pytest.raises(pydantic.ValidationError, match="discriminator 'kind'"):
        DURATION.validate_python({"value": 1})


# ---------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    a=st.floats(0, 1),
    b=st.floats(0, 1),
    total=st.integers(1, 10_000),
    spe=st.integers(1, 500),
)
def test_fraction_is_within_training_and_monotone(a: float, b: float, total: int, spe: int) -> None:
    tl = length(spe, total)
    sa, sb = S.FractionConfig(value=a).to_steps(tl), S.FractionConfig(value=b).to_steps(tl)
    assert 0 <= sa <= total
    if a <= b:
        assert sa <= sb
    assert abs(sa - a * total) <= 0.5 + 1e-9


@settings(max_examples=50, deadline=None)
@given(epochs=st.floats(0, 100), spe=st.integers(1, 1000))
def test_epochs_rounding_error_at_most_half_a_step(epochs: float, spe: int) -> None:
    steps = S.EpochsConfig(value=epochs).to_steps(length(spe, 10))
    assert isinstance(steps, int)
    assert abs(steps - epochs * spe) <= 0.5 + 1e-9


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "linear"}, "total"),
        ({"name": "cosine", "warmup": 1}, "total"),
        ({"name": "polynomial", "power": 2.0}, "total"),
        ({"name": "warmup_stable_decay", "decay": 2}, "total"),
        ({"name": "constant_with_warmup", "warmup_ratio": 0.5}, None),
        ({"name": "one_cycle_lr", "max_lr": 1.0}, "total_steps"),
    ],
)
@pytest.mark.parametrize(("interval", "frequency"), [("step", 3), ("epoch", 1), ("epoch", 2)])
def test_the_whole_training_is_fraction_one(
    data: dict, field: str | None, interval: str, frequency: int
) -> None:
    # new in issue 18: a default "whole training" was ceil(total / n) scheduler steps, a
    # fraction 1.0 round(total / n); one rounding rule makes them one schedule
    length = S.TrainingLength(steps_per_epoch=3, total_steps=16)  # 16 / 3, 16 / 6: not whole
    base = {**data, "interval": interval, "frequency": frequency}
    default = S.lr_scheduler_registry.construct(base)
    n = frequency * (3 if interval == "epoch" else 1)
    assert default.total_units(length) == max(1, math.floor(16 / n + 0.5))  # 5, 5, 3
    if field is None:  # only warmup_ratio reads the whole training: ceil(ratio * whole)
        assert default.warmup_units(length) == math.ceil(0.5 * math.floor(16 / n + 0.5))
        return
    whole = S.lr_scheduler_registry.construct({**base, field: {"kind": "fraction", "value": 1.0}})
    np.testing.assert_array_equal(S.preview(default, length), S.preview(whole, length))
