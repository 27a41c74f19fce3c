"""Optimizer configs: one per torch optimizer, fields identical to torch's keywords (API.md §2)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import pydantic
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import nshsched as S
from nshsched.optimizer.base import TorchOptimizerConfigBase

EXPECTED = {
    "adamw": (S.AdamWConfig, "AdamW"),
    "adam": (S.AdamConfig, "Adam"),
    "sgd": (S.SGDConfig, "SGD"),
    "adafactor": (S.AdafactorConfig, "Adafactor"),
    "adadelta": (S.AdadeltaConfig, "Adadelta"),
    "adagrad": (S.AdagradConfig, "Adagrad"),
    "adamax": (S.AdamaxConfig, "Adamax"),
    "asgd": (S.ASGDConfig, "ASGD"),
    "nadam": (S.NAdamConfig, "NAdam"),
    "radam": (S.RAdamConfig, "RAdam"),
    "rmsprop": (S.RMSpropConfig, "RMSprop"),
    "rprop": (S.RpropConfig, "Rprop"),
    "lbfgs": (S.LBFGSConfig, "LBFGS"),
    "sparse_adam": (S.SparseAdamConfig, "SparseAdam"),
    "muon": (S.MuonConfig, "Muon"),
}

# The built-in configs, read from the registry (user classes registered by other tests are not).
BUILTIN = [
    cls
    for cls in S.optimizer_registry
    if issubclass(cls, TorchOptimizerConfigBase) and cls.__module__.startswith("nshsched.")
]
IDS = [cls.__name__ for cls in BUILTIN]


def test_one_config_per_torch_optimizer_with_the_documented_tags() -> None:
    assert {cls.model_fields["name"].default: cls for cls in BUILTIN} == {
        tag: cls for tag, (cls, _) in EXPECTED.items()
    }
    for tag, (cls, torch_name) in EXPECTED.items():
        assert S.optimizer_registry.get(tag) is cls
        assert S.optimizer_registry.get(torch_name) is cls  # torch's name is an alias
        assert cls.torch_name == torch_name
        assert cls.torch_class() is getattr(torch.optim, torch_name)


# ---------------------------------------------------------------------- fields == torch


# torch 2.14's documented signatures (keyword, default), without ``params``: the newest
# torch, which CI does not install (its build is CUDA-sized). 2.14 added ``maximize`` to LBFGS.
# Checked keyword by keyword (names, order, literal defaults) against the ``__init__`` source
# of torch/optim/*.py in the torch 2.14.1 wheel.
_ADAM_TAIL = (("foreach", None), ("maximize", False), ("capturable", False))
TORCH_2_14: dict[str, tuple[tuple[str, Any], ...]] = {
    "SGD": (
        ("lr", 1e-3),
        ("momentum", 0),
        ("dampening", 0),
        ("weight_decay", 0),
        ("nesterov", False),
        ("maximize", False),
        ("foreach", None),
        ("differentiable", False),
        ("fused", None),
    ),
    "ASGD": (
        ("lr", 1e-2),
        ("lambd", 1e-4),
        ("alpha", 0.75),
        ("t0", 1e6),
        ("weight_decay", 0),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
        ("capturable", False),
    ),
    "Adadelta": (
        ("lr", 1.0),
        ("rho", 0.9),
        ("eps", 1e-6),
        ("weight_decay", 0),
        ("foreach", None),
        ("capturable", False),
        ("maximize", False),
        ("differentiable", False),
    ),
    "Adagrad": (
        ("lr", 1e-2),
        ("lr_decay", 0),
        ("weight_decay", 0),
        ("initial_accumulator_value", 0),
        ("eps", 1e-10),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
        ("fused", None),
    ),
    "RMSprop": (
        ("lr", 1e-2),
        ("alpha", 0.99),
        ("eps", 1e-8),
        ("weight_decay", 0),
        ("momentum", 0),
        ("centered", False),
        ("capturable", False),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
    ),
    "Rprop": (
        ("lr", 1e-2),
        ("etas", (0.5, 1.2)),
        ("step_sizes", (1e-6, 50)),
        ("capturable", False),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
    ),
    "LBFGS": (
        ("lr", 1),
        ("max_iter", 20),
        ("max_eval", None),
        ("tolerance_grad", 1e-7),
        ("tolerance_change", 1e-9),
        ("history_size", 100),
        ("line_search_fn", None),
        ("maximize", False),
    ),
    "Muon": (
        ("lr", 1e-3),
        ("weight_decay", 0.1),
        ("momentum", 0.95),
        ("nesterov", True),
        ("ns_coefficients", (3.4445, -4.775, 2.0315)),
        ("eps", 1e-7),
        ("ns_steps", 5),
        ("adjust_lr_fn", None),
    ),
    "Adam": (
        ("lr", 1e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-8),
        ("weight_decay", 0),
        ("amsgrad", False),
        *_ADAM_TAIL,
        ("differentiable", False),
        ("fused", None),
        ("decoupled_weight_decay", False),
    ),
    "AdamW": (
        ("lr", 1e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-8),
        ("weight_decay", 1e-2),
        ("amsgrad", False),
        ("maximize", False),
        ("foreach", None),
        ("capturable", False),
        ("differentiable", False),
        ("fused", None),
    ),
    "Adamax": (
        ("lr", 2e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-8),
        ("weight_decay", 0),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
        ("capturable", False),
    ),
    "NAdam": (
        ("lr", 2e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-8),
        ("weight_decay", 0),
        ("momentum_decay", 4e-3),
        ("decoupled_weight_decay", False),
        *_ADAM_TAIL,
        ("differentiable", False),
    ),
    "RAdam": (
        ("lr", 1e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-8),
        ("weight_decay", 0),
        ("decoupled_weight_decay", False),
        *_ADAM_TAIL,
        ("differentiable", False),
    ),
    "SparseAdam": (("lr", 1e-3), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("maximize", False)),
    "Adafactor": (
        ("lr", 1e-2),
        ("beta2_decay", -0.8),
        ("eps", (None, 1e-3)),
        ("d", 1.0),
        ("weight_decay", 0.0),
        ("foreach", None),
        ("maximize", False),
    ),
}


def test_the_newest_torch_table_covers_every_builtin() -> None:
    assert set(TORCH_2_14) == {cls.torch_name for cls in BUILTIN}


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_fields_and_defaults_are_the_newest_torch_keywords(
    cls: type[TorchOptimizerConfigBase],
) -> None:
    newest = dict(TORCH_2_14[cls.torch_name])
    fields = {k: f for k, f in cls.model_fields.items() if k != "name"}
    assert list(fields) == list(newest)  # the same keywords, in torch's order
    assert fields["lr"].is_required()  # the one exception: lr must be given
    for key, default in newest.items():
        if key != "lr":
            assert fields[key].default == default, (key, fields[key].default, default)


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_fields_and_defaults_are_torch_keywords(cls: type[TorchOptimizerConfigBase]) -> None:
    # The installed torch: every keyword it has is a field with its default; the fields it
    # lacks are the newer keywords, each with the torch version that added it.
    signature = inspect.signature(cls.torch_class())
    torch_params = {k: p for k, p in signature.parameters.items() if k != "params"}
    fields = {k: f for k, f in cls.model_fields.items() if k != "name"}
    assert set(torch_params) <= set(fields)
    assert set(fields) - set(torch_params) <= set(cls.torch_keyword_versions)
    assert fields["lr"].is_required()  # the one exception: lr must be given
    for key, param in torch_params.items():
        if key == "lr":
            continue
        field = fields[key]
        assert not field.is_required(), key
        assert field.default == param.default, (key, field.default, param.default)
        assert type(field.default) is type(param.default) or isinstance(
            param.default, int | float
        ), key
    for key, field in fields.items():
        assert field.description, f"{cls.__name__}.{key} has no docstring"


def test_a_keyword_newer_than_the_installed_torch_builds_at_its_default() -> None:
    # LBFGS gained ``maximize`` in torch 2.14; with the installed torch it is not passed on.
    params = [torch.zeros(2, requires_grad=True)]
    has_maximize = "maximize" in inspect.signature(torch.optim.LBFGS).parameters
    config = S.LBFGSConfig(lr=0.5)
    assert ("maximize" in config.torch_kwargs()) == has_maximize
    assert isinstance(config.create_optimizer(params), torch.optim.LBFGS)
    if not has_maximize:
        with pytest.raises(
            ValueError,
            match=r"LBFGSConfig.maximize=True needs torch>=2.14: torch.optim.LBFGS in the "
            r"installed torch .* has no 'maximize' keyword; upgrade torch or leave maximize at "
            r"its default False",
        ):
            S.LBFGSConfig(lr=0.5, maximize=True).create_optimizer(params)


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_lr_is_required(cls: type[TorchOptimizerConfigBase]) -> None:
    with pytest.raises(pydantic.ValidationError, match=r"\n  lr: Field required"):
        cls()


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_torch_kwargs_are_every_field_but_the_tag(cls: type[TorchOptimizerConfigBase]) -> None:
    config = cls(lr=0.5)
    kwargs = config.torch_kwargs()
    # Keywords newer than the installed torch are left out at their defaults.
    installed = set(inspect.signature(cls.torch_class()).parameters)
    assert set(kwargs) == {k for k in cls.model_fields if k in installed}
    assert kwargs["lr"] == 0.5
    assert all(kwargs[k] == getattr(config, k) for k in kwargs)


# ---------------------------------------------------------------------- building and stepping


def _dense_problem(cls: type[TorchOptimizerConfigBase]) -> tuple[nn.Module, Callable[[], Any]]:
    """A tiny model and a loss; the parameter shapes each optimizer accepts."""
    torch.manual_seed(0)
    if cls is S.MuonConfig:  # 2-D parameters only
        model: nn.Module = nn.Linear(4, 3, bias=False)
    elif cls is S.SparseAdamConfig:  # sparse gradients only
        model = nn.Embedding(10, 3, sparse=True)
    else:
        model = nn.Linear(4, 3)
    x = torch.arange(8.0).reshape(2, 4) / 8

    def loss() -> torch.Tensor:
        if isinstance(model, nn.Embedding):
            return model(torch.tensor([1, 3, 3])).pow(2).sum()
        return model(x).pow(2).sum()

    return model, loss


def _step(optimizer: torch.optim.Optimizer, loss: Callable[[], torch.Tensor]) -> None:
    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = loss()
        value.backward()
        return value

    if isinstance(optimizer, torch.optim.LBFGS):
        optimizer.step(closure)  # LBFGS needs the closure
    else:
        closure()
        optimizer.step()


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_builds_and_steps_exactly_like_torch(cls: type[TorchOptimizerConfigBase]) -> None:
    model, loss = _dense_problem(cls)
    reference, reference_loss = _dense_problem(cls)
    config = cls(lr=0.01)
    optimizer = config.create_optimizer(model.parameters())
    expected = getattr(torch.optim, cls.torch_name)(reference.parameters(), lr=0.01)
    assert type(optimizer) is type(expected)
    assert optimizer.defaults == expected.defaults
    before = [p.detach().clone() for p in model.parameters()]
    for _ in range(3):
        _step(optimizer, loss)
        _step(expected, reference_loss)
    for p, q, b in zip(model.parameters(), reference.parameters(), before):
        torch.testing.assert_close(p, q)
        assert not torch.equal(p, b), "the step did not move the parameters"


def test_sparse_adam_steps_only_the_looked_up_rows() -> None:
    model, loss = _dense_problem(S.SparseAdamConfig)
    before = model.weight.detach().clone()
    optimizer = S.SparseAdamConfig(lr=0.1).create_optimizer(model.parameters())
    _step(optimizer, loss)
    changed = (model.weight != before).any(dim=1)
    assert changed.tolist() == [i in (1, 3) for i in range(10)]


def test_non_default_fields_reach_torch() -> None:
    model = nn.Linear(2, 2)
    optimizer = S.AdamWConfig(
        lr=0.3, betas=(0.5, 0.6), eps=1e-3, weight_decay=0.0, amsgrad=True, foreach=False
    ).create_optimizer(model.parameters())
    group = optimizer.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (
        0.3,
        (0.5, 0.6),
        1e-3,
        0.0,
    )
    assert group["amsgrad"] is True and group["foreach"] is False
    lbfgs = S.LBFGSConfig(lr=1.0, line_search_fn="strong_wolfe", history_size=5)
    assert lbfgs.create_optimizer(model.parameters()).defaults["line_search_fn"] == "strong_wolfe"


def test_param_group_dicts_override_the_config() -> None:
    model = nn.Linear(3, 2)
    optimizer = S.SGDConfig(lr=0.1, momentum=0.9).create_optimizer(
        [
            {"params": [model.weight], "lr": 0.01, "name": "weights"},
            {"params": [model.bias], "weight_decay": 0.0},
        ]
    )
    first, second = optimizer.param_groups
    assert (first["lr"], first["momentum"], first["name"]) == (0.01, 0.9, "weights")
    assert (second["lr"], second["momentum"]) == (0.1, 0.9)
    _step(optimizer, lambda: model(torch.ones(1, 3)).sum())


def test_named_parameters_are_accepted() -> None:
    model = nn.Linear(3, 2)
    optimizer = S.AdamConfig(lr=0.1).create_optimizer(model.named_parameters())
    assert optimizer.param_groups[0]["param_names"] == ["weight", "bias"]


def test_a_user_model_field_builds_the_optimizer() -> None:
    class Trainer(pydantic.BaseModel):
        optimizer: S.OptimizerConfig

    trainer = Trainer.model_validate({"optimizer": {"name": "RMSprop", "lr": 0.2, "alpha": 0.5}})
    optimizer = trainer.optimizer.create_optimizer(nn.Linear(2, 1).parameters())
    assert isinstance(optimizer, torch.optim.RMSprop)
    assert optimizer.defaults["alpha"] == 0.5


def test_the_base_class_is_abstract() -> None:
    with pytest.raises(TypeError, match=r"abstract"):
        S.OptimizerConfigBase()  # type: ignore[abstract]


# ---------------------------------------------------------------------- serialization


@pytest.mark.parametrize("cls", BUILTIN, ids=IDS)
def test_every_config_round_trips(cls: type[TorchOptimizerConfigBase]) -> None:
    config = cls(lr=0.25)
    assert S.optimizer_registry.construct(config.model_dump()) == config
    assert S.optimizer_registry.construct(config.model_dump(mode="json")) == config
    assert cls.model_validate_json(config.model_dump_json()) == config
    tag = cls.model_fields["name"].default  # the tag is always written
    assert config.model_dump(exclude_defaults=True) == {"name": tag, "lr": 0.25}
    assert isinstance(cls.model_json_schema()["properties"]["lr"]["description"], str)


def test_tuples_stay_tuples_after_json() -> None:
    config = S.optimizer_registry.construct({"name": "adafactor", "lr": 1e-2, "eps": [None, 1e-4]})
    assert config == S.AdafactorConfig(lr=1e-2, eps=(None, 1e-4))
    assert isinstance(config.eps, tuple)  # type: ignore[attr-defined]
    muon = S.MuonConfig.model_validate_json('{"lr": 0.1, "ns_coefficients": [2, -1.5, 0.5]}')
    assert muon.ns_coefficients == (2.0, -1.5, 0.5)


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("cls", "data", "loc", "match"),
    [
        (S.AdamWConfig, {"lr": -1e-3}, ("lr",), "greater than or equal to 0"),
        (S.AdamWConfig, {"eps": -1.0}, ("eps",), "greater than 0"),
        (S.AdamWConfig, {"betas": (0.9, 1.0)}, ("betas", 1), "less than 1"),
        (S.AdamConfig, {"betas": (-0.1, 0.9)}, ("betas", 0), "greater than or equal to 0"),
        (S.AdamConfig, {"weight_decay": -1}, ("weight_decay",), "greater than or equal to 0"),
        (S.AdamConfig, {"betas": (0.9,)}, ("betas", 1), "Field required"),
        (S.AdamaxConfig, {"betas": (1.5, 0.9)}, ("betas", 0), "less than 1"),
        (S.NAdamConfig, {"momentum_decay": -1}, ("momentum_decay",), "greater than or equal"),
        (S.RAdamConfig, {"eps": -1}, ("eps",), "greater than 0"),
        (S.SGDConfig, {"momentum": -0.9}, ("momentum",), "greater than or equal to 0"),
        (S.SGDConfig, {"weight_decay": -0.1}, ("weight_decay",), "greater than or equal to 0"),
        (S.SGDConfig, {"nesterov": "maybe"}, ("nesterov",), "valid boolean"),
        (S.AdafactorConfig, {"beta2_decay": 0.5}, ("beta2_decay",), "less than or equal to 0"),
        (S.AdafactorConfig, {"d": 0.5}, ("d",), "greater than or equal to 1"),
        (S.AdafactorConfig, {"eps": (-1.0, 1e-3)}, ("eps", 0), "greater than 0"),
        (S.AdadeltaConfig, {"rho": 1.5}, ("rho",), "less than or equal to 1"),
        (S.AdagradConfig, {"lr_decay": -1}, ("lr_decay",), "greater than or equal to 0"),
        (
            S.AdagradConfig,
            {"initial_accumulator_value": -1},
            ("initial_accumulator_value",),
            "greater than or equal",
        ),
        (S.RMSpropConfig, {"alpha": -0.5}, ("alpha",), "greater than or equal to 0"),
        (S.RpropConfig, {"etas": (1.5, 1.2)}, ("etas", 0), "less than 1"),
        (S.RpropConfig, {"etas": (0.5, 0.9)}, ("etas", 1), "greater than 1"),
        (S.SparseAdamConfig, {"lr": 0.0}, ("lr",), "greater than 0"),
        (S.SparseAdamConfig, {"eps": 0.0}, ("eps",), "greater than 0"),
        (S.LBFGSConfig, {"line_search_fn": "armijo"}, ("line_search_fn",), "strong_wolfe"),
        (S.MuonConfig, {"ns_steps": 100}, ("ns_steps",), "less than 100"),
        (S.MuonConfig, {"adjust_lr_fn": "bogus"}, ("adjust_lr_fn",), "match_rms_adamw"),
        (S.MuonConfig, {"momentum": -1}, ("momentum",), "greater than or equal to 0"),
        (S.AdamWConfig, {"weight_decy": 0.1}, ("weight_decy",), "did you mean 'weight_decay'"),
    ],
)
def test_invalid_values_name_the_field(
    cls: type[TorchOptimizerConfigBase], data: dict[str, Any], loc: tuple[Any, ...], match: str
) -> None:
    data = {"lr": 1e-3, **data}
    with pytest.raises(pydantic.ValidationError, match=match) as info:
        cls.model_validate(data)
    assert info.value.errors()[0]["loc"] == loc


def test_sgd_nesterov_needs_momentum_and_no_dampening() -> None:
    with pytest.raises(
        pydantic.ValidationError,
        match=r"nesterov=True requires momentum > 0 and dampening == 0, got momentum=0.0, "
        r"dampening=0.0",
    ):
        S.SGDConfig(lr=0.1, nesterov=True)
    with pytest.raises(pydantic.ValidationError, match=r"got momentum=0.9, dampening=0.1"):
        S.SGDConfig(lr=0.1, nesterov=True, momentum=0.9, dampening=0.1)
    assert S.SGDConfig(lr=0.1, nesterov=True, momentum=0.9).nesterov


@pytest.mark.parametrize("cls", [S.AdamWConfig, S.AdamConfig, S.SGDConfig, S.AdagradConfig])
def test_fused_excludes_foreach_and_differentiable(cls: type[TorchOptimizerConfigBase]) -> None:
    with pytest.raises(pydantic.ValidationError, match=r"fused=True and foreach=True cannot"):
        cls(lr=0.1, fused=True, foreach=True)
    with pytest.raises(pydantic.ValidationError, match=r"fused=True does not support"):
        cls(lr=0.1, fused=True, differentiable=True)


def test_assignment_is_validated() -> None:
    config = S.AdamWConfig(lr=0.1)
    with pytest.raises(pydantic.ValidationError, match=r"greater than or equal to 0"):
        config.lr = -1.0


@settings(max_examples=50, deadline=None)
@given(
    lr=st.floats(-1, 1),
    momentum=st.floats(-1, 1),
    dampening=st.sampled_from([0.0, 0.5]),
    weight_decay=st.floats(-1, 1),
    nesterov=st.booleans(),
)
def test_sgd_config_is_valid_exactly_when_torch_accepts_it(
    lr: float, momentum: float, dampening: float, weight_decay: float, nesterov: bool
) -> None:
    kwargs = dict(
        lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov
    )
    try:
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], **kwargs)  # type: ignore[arg-type]
        torch_ok = True
    except ValueError:
        torch_ok = False
    try:
        S.SGDConfig(**kwargs)  # type: ignore[arg-type]
        config_ok = True
    except pydantic.ValidationError:
        config_ok = False
    # torch's checks, plus nshsched's narrower meaningful ranges (momentum and dampening in
    # [0, 1]; lr * weight_decay <= 1): exactly those are refused.
    narrower = momentum > 1 or dampening > 1 or lr * weight_decay > 1
    assert config_ok == (torch_ok and not narrower)


@settings(max_examples=50, deadline=None)
@given(
    lr=st.floats(-0.5, 1),
    beta1=st.floats(-0.5, 1.5),
    beta2=st.floats(-0.5, 1.5),
    eps=st.floats(-1, 1),
    weight_decay=st.floats(-1, 1),
    cls=st.sampled_from([S.AdamConfig, S.AdamWConfig, S.AdamaxConfig, S.NAdamConfig]),
)
def test_adam_family_is_valid_exactly_when_torch_accepts_it(
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    cls: type[TorchOptimizerConfigBase],
) -> None:
    kwargs: dict[str, Any] = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    try:
        cls.torch_class()([torch.zeros(1, requires_grad=True)], **kwargs)
        torch_ok = True
    except ValueError:
        torch_ok = False
    try:
        config = cls(**kwargs)
        config_ok = True
    except pydantic.ValidationError:
        config_ok = False
    # torch's checks, plus nshsched's narrower meaningful ranges (eps > 0, as a float32;
    # lr * weight_decay <= 1): exactly those are refused.
    narrower = eps < 1.1754943508222875e-38 or lr * weight_decay > 1
    assert config_ok == (torch_ok and not narrower)
    if config_ok:
        opt = config.create_optimizer([torch.zeros(1, requires_grad=True)])
        assert opt.defaults["betas"] == (beta1, beta2)
        assert math.isclose(opt.defaults["lr"], lr)


# ---------------------------------------------------------------------- older torch


class _OldAdam(torch.optim.Adam):
    """torch.optim.Adam as an older torch had it: without ``decoupled_weight_decay``."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
        )


def test_older_torch_drops_a_new_keyword_left_at_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.optim, "Adam", _OldAdam)
    monkeypatch.setattr(torch, "__version__", "2.4.0")
    config = S.AdamConfig(lr=0.1, decoupled_weight_decay=False)  # explicit default: still fine
    assert "decoupled_weight_decay" not in config.torch_kwargs()
    optimizer = config.create_optimizer(nn.Linear(2, 1).parameters())
    assert type(optimizer) is _OldAdam


def test_older_torch_rejects_a_new_keyword_that_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.optim, "Adam", _OldAdam)
    monkeypatch.setattr(torch, "__version__", "2.4.0")
    config = S.AdamConfig(lr=0.1, decoupled_weight_decay=True)
    with pytest.raises(
        ValueError,
        match=r"AdamConfig.decoupled_weight_decay=True needs torch>=2.7: torch.optim.Adam in the "
        r"installed torch 2.4.0 has no 'decoupled_weight_decay' keyword; upgrade torch or leave "
        r"decoupled_weight_decay at its default False",
    ):
        config.create_optimizer(nn.Linear(2, 1).parameters())


@pytest.mark.parametrize(
    ("cls", "version"), [(S.MuonConfig, "2.9"), (S.AdafactorConfig, "2.5"), (S.SGDConfig, None)]
)
def test_an_optimizer_missing_from_torch_names_the_version_needed(
    monkeypatch: pytest.MonkeyPatch, cls: type[TorchOptimizerConfigBase], version: str | None
) -> None:
    monkeypatch.delattr(torch.optim, cls.torch_name)
    monkeypatch.setattr(torch, "__version__", "2.3.1")
    config = cls(lr=0.1)  # the config itself is still valid data
    need = f"torch>={version}" if version else "a newer torch"
    with pytest.raises(
        RuntimeError,
        match=rf"{cls.__name__} needs torch.optim.{cls.torch_name}, which the installed torch "
        rf"2.3.1 does not have; it needs {need}",
    ):
        config.create_optimizer([torch.zeros(2, 2, requires_grad=True)])
