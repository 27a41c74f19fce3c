"""timm's optimizers as configs: every name of timm's registry, against the real
``timm.optim`` (its signatures, and ``create_optimizer_v2`` step for step).

The configs are made from nshsched's snapshot of timm's registry without importing timm, so
validation, dumps and the registry run everywhere timm 1.0.31 is installed. Building needs
``timm.optim``, which imports timm's models, hence torchvision: where no torchvision matching
the installed torch loads (the torch 2.13 CPU lane, see the README), the tests that build or
read ``timm.optim`` are skipped with that reason; anything else failing to import is an
error.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import io
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import torch
from pydantic import ValidationError
from torch import nn

import nshsched as S
from _helpers.lanes import require_timm
from nshsched.optimizer import timm as T
from nshsched.optimizer.timm._generate import bound_defaults

# CI's floor lane has no timm (no torchvision loads beside its torch): the module is skipped
# there with that reason, and runs in the newest lane; anywhere else a missing timm fails.
timm_optim = require_timm("timm.optim")

SNAPSHOT = json.loads(T.SNAPSHOT.read_text())
ENTRIES = {entry["name"]: entry for entry in SNAPSHOT["optimizers"]}
ALIASES: dict[str, str] = SNAPSHOT["aliases"]
NAMES = sorted([*ENTRIES, *ALIASES])
LAZY = [n for n in ENTRIES if ENTRIES[n]["package"] is not None]
BUILDS = [n for n in NAMES if ENTRIES[ALIASES.get(n, n)]["package"] is None]
INFOS = {n: timm_optim.get_optimizer_info(n) for n in NAMES}


@pytest.fixture(autouse=True, scope="module")
def registered() -> None:
    # Idempotent: another test may have restored the registry (registry.scoped()) after the
    # entry point registered them.
    T.register(required=True)


def test_the_registry_of_timm_1_0_31_is_covered() -> None:
    assert len(NAMES) >= 100 and len(LAZY) == 15
    assert {"lion", "lamb", "lars", "adan", "adabelief", "madgrad", "novograd", "adopt"} <= set(
        NAMES
    )
    assert {"kron", "mars", "laprop", "adamuon", "sgdw", "clion", "cadamw"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_name_is_a_config_tagged_timm_name(name: str) -> None:
    cls = S.optimizer_registry.get(f"timm_{name}")
    target = ALIASES.get(name, name)
    assert cls.timm_name == target  # timm's aliases (nesterov -> sgd) share a class
    tag = cls.model_fields["name"].default
    assert tag == f"timm_{target}"
    bare = S.optimizer_registry.get(name)
    if name in T.TORCH_TAGS:  # torch's meaning wins
        assert not bare.__name__.startswith("Timm")
    else:
        assert bare is cls
    config = S.optimizer_registry.construct({"name": f"timm_{name}", "lr": 0.1})
    assert config.model_dump()["name"] == tag  # written back under the canonical tag
    if name not in T.TORCH_TAGS:
        assert S.optimizer_registry.construct({"name": name, "lr": 0.1}) == config


def test_torch_tags_are_exactly_the_clashing_names() -> None:
    torch_tags = {
        c.model_fields["name"].default for c in S.optimizer_registry if c.__name__[:4] != "Timm"
    }
    assert set(NAMES) & torch_tags == T.TORCH_TAGS


def _signature(name: str) -> list[tuple[str, Any, Any]]:
    params = list(inspect.signature(INFOS[name].opt_class).parameters.values())[1:]
    return [(p.name, p.default, p.annotation) for p in params]


@pytest.mark.parametrize("name", BUILDS)
def test_fields_are_the_class_keywords_with_the_factory_defaults(name: str) -> None:
    cls = T.config_classes()[name]
    info = INFOS[name]
    signature = _signature(name)
    fields = {k: v for k, v in cls.model_fields.items() if k != "name"}
    assert list(fields) == [p[0] for p in signature]
    assert fields["lr"].is_required()
    expected = {p[0]: p[1] for p in signature}
    expected.update(info.defaults or {})  # the registry entry binds these
    if info.has_momentum and "momentum" not in (info.defaults or {}):
        expected["momentum"] = 0.9  # create_optimizer_v2's momentum=0.9
    expected["weight_decay"] = 0.0  # create_optimizer_v2's weight_decay=0.0
    assert bound_defaults(info, signature) == expected
    for key, field in fields.items():
        if key == "lr":
            continue
        value = expected[key]
        if isinstance(value, torch.dtype):
            value = str(value).removeprefix("torch.")
        assert field.default == value, key
        assert field.description, key
    for key, value in (info.defaults or {}).items():  # e.g. caution=True for the c* names
        assert cls.model_validate({"lr": 1.0}).model_dump()[key] == value


@pytest.mark.parametrize("name", LAZY)
def test_lazy_names_validate_and_refuse_to_build_naming_the_package(name: str) -> None:
    entry = ENTRIES[name]
    package = entry["package"]
    if importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here")
    config = S.optimizer_registry.construct({"name": name, "lr": 1e-3, "weight_decay": 0.1})
    fields = set(type(config).model_fields) - {"name"}
    assert fields == {f["name"] for f in entry["fields"]}
    assert {"lr", "weight_decay", *entry["defaults"]} <= fields
    assert fields <= {"lr", "weight_decay", "momentum", "eps", "betas", *entry["defaults"]}
    with pytest.raises(ImportError, match=rf"needs the package '{package}' for {entry['class']}"):
        config.create_optimizer([nn.Parameter(torch.zeros(2))])


def test_the_snapshot_is_the_installed_timm_registry() -> None:
    assert SNAPSHOT["timm"] == T.installed_version(), "run python docs/scripts/timm_optimizers.py"
    assert T.describe_registry() == SNAPSHOT, "run python docs/scripts/timm_optimizers.py"


def test_registering_from_the_snapshot_imports_neither_timm_nor_torch() -> None:
    result = _run(
        """
        import sys
        from nshsched.optimizer import timm as T
        import nshsched as S
        assert T.installed_version() == "1.0.31", T.installed_version()
        cfg = S.optimizer_registry.construct({"name": "lamb", "lr": 0.1})
        print(type(cfg).__name__, "torch" in sys.modules, "timm" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["TimmLambConfig", "False", "False"]


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def _groups(model: nn.Module) -> list[dict[str, Any]]:
    first, last = model[0], model[2]  # type: ignore[index]
    return [
        {"params": [first.weight], "lr": 0.02, "weight_decay": 0.01},
        {"params": [first.bias, last.bias]},
        {"params": [last.weight], "lr": 0.005},
    ]


def _steps(model: nn.Module, optimizer: torch.optim.Optimizer, n: int = 4) -> list[torch.Tensor]:
    torch.manual_seed(1)
    x, y = torch.randn(16, 4), torch.randn(16, 3)
    second_order = INFOS.get(getattr(optimizer, "_timm_name", ""))
    for _ in range(n):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward(create_graph=bool(second_order and second_order.second_order))
        optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("name", BUILDS)
def test_steps_equal_create_optimizer_v2_on_several_groups(name: str) -> None:
    info = INFOS[name]
    args: dict[str, Any] = {"lr": 0.01, "weight_decay": 0.001}
    if info.has_momentum:
        args["momentum"] = 0.8  # through both: create_optimizer_v2's momentum argument
    ours_model, ref_model = _model(), _model()
    ours = S.optimizer_registry.construct({"name": f"timm_{name}", **args}).create_optimizer(
        _groups(ours_model)
    )
    ref = timm_optim.create_optimizer_v2(_groups(ref_model), opt=name, **args)
    assert type(ours) is type(ref)
    for setattr_on in (ours, ref):
        setattr_on._timm_name = info.name  # type: ignore[attr-defined]
    # the same class with the same arguments: equal to the last bit
    for a, b in zip(_steps(ours_model, ours), _steps(ref_model, ref), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert [{k: v for k, v in g.items() if k != "params"} for g in ours.param_groups] == [
        {k: v for k, v in g.items() if k != "params"} for g in ref.param_groups
    ]


@pytest.mark.parametrize("name", ["lion", "lamb", "adan", "sgdw", "clion", "madgrad"])
def test_no_weight_decay_is_filter_bias_and_bn(name: str) -> None:
    """``create_optimizer_v2(model, weight_decay=wd, filter_bias_and_bn=True)`` equals
    ``OptimizationConfig(optimizer={weight_decay: wd}, no_weight_decay=True)`` (the groups
    come in another order, which these optimizers do not see; Kron's random preconditioner
    updates do)."""
    ours_model, ref_model = _model(), _model()
    config = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": name, "lr": 0.01, "weight_decay": 0.05}, "no_weight_decay": True}
    )
    ours, _ = config.build(ours_model, S.TrainingLength(steps_per_epoch=4, total_steps=4))
    ref = timm_optim.create_optimizer_v2(
        ref_model, opt=name, lr=0.01, weight_decay=0.05, filter_bias_and_bn=True
    )
    by_param = {
        id(p): g["weight_decay"] for g in ours.param_groups for p in g["params"]
    }  # 2-D weights decay, 1-D biases not, in both
    ref_by_param = {id(p): g["weight_decay"] for g in ref.param_groups for p in g["params"]}
    assert sorted(by_param.values()) == sorted(ref_by_param.values()) == [0.0, 0.0, 0.05, 0.05]
    for a, b in zip(_steps(ours_model, ours), _steps(ref_model, ref), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"name": "lion", "lr": 0.1, "betas": [0.9, 1.0]}, r"betas\.1[\s\S]*less than 1"),
        ({"name": "lamb", "lr": 0.1, "eps": 0.0}, r"eps[\s\S]*greater than 0"),
        ({"name": "lamb", "lr": -1.0}, r"lr[\s\S]*greater than or equal to 0"),
        ({"name": "adan", "lr": 0.1, "betas": [0.9, 0.9]}, r"betas\.2: Field required"),
        ({"name": "timm_sgd", "lr": 0.1, "momentum": 1.5}, r"momentum[\s\S]*less than or equal"),
        ({"name": "timm_sgd", "lr": 0.1, "momentum": 0.0}, r"nesterov=True requires momentum"),
        ({"name": "lars", "lr": 0.1, "weight_decay": float("inf")}, r"weight_decay[\s\S]*finite"),
        ({"name": "timm_adamw", "lr": 0.1, "fused": True, "foreach": True}, r"cannot both be"),
        ({"name": "kron", "lr": 0.1, "momentum": 1.0}, r"momentum[\s\S]*less than 1"),
        ({"name": "kron", "lr": 0.1, "mu_dtype": "int8"}, r"mu_dtype[\s\S]*'float32'"),
        ({"name": "mars", "lr": 0.1, "mars_type": "sgd"}, r"mars_type[\s\S]*'adamw' or 'lion'"),
        ({"name": "adamuon", "lr": 0.1, "ns_coefficients": "cubic"}, r"ns_coefficients"),
        ({"name": "lion", "lr": 0.1, "epsilon": 1e-8}, r"epsilon: not a field of TimmLionConfig"),
        ({"name": "lamb"}, r"\n  lr: Field required"),
        ({"name": "lamb", "lr": True}, r"lr[\s\S]*boolean"),
    ],
)
def test_bad_values_are_refused_naming_the_field(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        S.optimizer_registry.construct(data)


def test_an_unknown_timm_like_name_suggests_the_closest() -> None:
    with pytest.raises(ValidationError, match=r"did you mean 'timm_lamb'"):
        S.optimizer_registry.construct({"name": "timm_lambb", "lr": 0.1})


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_dumps_round_trip_and_survive_weights_only_load(name: str) -> None:
    cls = T.config_classes()[name]
    config = cls.model_validate({"lr": 0.25})
    assert S.optimizer_registry.construct(config.model_dump(mode="json")) == config
    assert cls.model_validate_json(config.model_dump_json()) == config
    buffer = io.BytesIO()
    torch.save({"hyper_parameters": {"optimizer": config}}, buffer)
    buffer.seek(0)
    again = torch.load(buffer, weights_only=True)["hyper_parameters"]["optimizer"]
    assert type(again) is cls and again == config


def test_dtype_and_tuple_fields_reach_the_class_as_timm_wants_them() -> None:
    config = S.optimizer_registry.construct(
        {"name": "kron", "lr": 0.01, "mu_dtype": "bfloat16", "precond_dtype": "float64"}
    )
    optimizer = config.create_optimizer([nn.Parameter(torch.zeros(3, 3))])
    assert optimizer.defaults["mu_dtype"] is torch.bfloat16
    assert optimizer.defaults["precond_dtype"] is torch.float64
    muon = S.optimizer_registry.construct(
        {"name": "timm_muon", "lr": 0.01, "ns_coefficients": [[3.4, -4.7, 2.0], [3.0, -3.0, 1.0]]}
    )
    assert muon.create_optimizer([nn.Parameter(torch.zeros(3, 3))]).defaults["ns_coefficients"] == [
        (3.4, -4.7, 2.0),
        (3.0, -3.0, 1.0),
    ]


# ---------------------------------------------------------------------- plugin, CLI


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


def test_entry_point_is_declared() -> None:
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="nshsched")}
    assert points.get("timm") == "nshsched.optimizer.timm:register"


def test_timm_is_loaded_lazily_by_an_unknown_tag_only() -> None:
    result = _run(
        """
        import sys
        import nshsched as S
        S.OptimizationConfig.model_validate({"optimizer": {"name": "adamw", "lr": 0.1}})
        S.optimizer_registry.construct({"name": "schedule_free_adamw", "lr": 0.1})
        assert "nshsched.optimizer.timm" not in sys.modules, "a built-in tag loaded the plugin"
        cfg = S.OptimizationConfig.model_validate({"optimizer": {"name": "lion", "lr": 0.1}})
        assert "nshsched.optimizer.timm" in sys.modules
        print(type(cfg.optimizer).__name__, cfg.optimizer.model_dump()["name"])
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["TimmLionConfig", "timm_lion"]


def test_cli_list_and_schema_show_timm_optimizers() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "nshsched", "list"], capture_output=True, text=True, timeout=300
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "timm_lion" in listed.stdout and "timm_clion" in listed.stdout
    assert "timm's lion (Lion): Evolved Sign Momentum" in listed.stdout  # timm's description
    schema = subprocess.run(
        [sys.executable, "-m", "nshsched", "schema", "optimizer"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert schema.returncode == 0, schema.stderr[-2000:]
    mapping = json.loads(schema.stdout)["discriminator"]["mapping"]
    assert {f"timm_{n}" for n in ENTRIES} <= set(mapping)
    assert "schedule_free_adamw" in mapping


# ---------------------------------------------------------------------- docs

DOCS = __import__("pathlib").Path(__file__).resolve().parents[1] / "docs"
TIMM_MARK = "<!-- timm-example -->"


def test_generated_docs_match_the_installed_timm() -> None:
    sys.path.insert(0, str(DOCS / "scripts"))
    try:
        import timm_optimizers as generator
    finally:
        sys.path.remove(str(DOCS / "scripts"))
    page = (DOCS / "optimizers.md").read_text()
    assert generator.optimizers_page(page) == page, "run python docs/scripts/timm_optimizers.py"
    reference = (DOCS / "timm_optimizers.md").read_text()
    assert generator.reference_page() == reference, "run python docs/scripts/timm_optimizers.py"
    for cls in set(T.config_classes().values()):
        tag = cls.model_fields["name"].default
        assert f"| `{tag}` |" in page and f"## `{tag}`" in reference


def test_the_timm_examples_of_the_optimizers_page_run() -> None:
    """The page's blocks marked ``timm-example`` (skipped by tests/test_docs.py, which runs
    where timm.optim may not load) run here."""
    lines = (DOCS / "optimizers.md").read_text().splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() == TIMM_MARK:
            assert lines[i + 1].strip() == "<!-- skip-test -->" and lines[i + 2] == "```python"
            end = lines.index("```", i + 3)
            blocks.append("\n".join(lines[i + 3 : end]))
    assert blocks
    namespace: dict[str, Any] = {"torch": torch, "S": S}
    for code in blocks:
        exec(compile(code, "docs/optimizers.md", "exec"), namespace)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True])
def test_every_number_field_refuses_nan_inf_and_bools(bad: Any) -> None:
    checked = 0
    for cls in set(T.config_classes().values()):
        for key, field in cls.model_fields.items():
            if "float" not in repr(field.annotation) or "tuple" in repr(field.annotation):
                continue
            with pytest.raises(ValidationError) as error:
                cls.model_validate({"lr": 0.1, key: bad})
            assert error.value.errors()[0]["loc"][0] == key, (cls.__name__, key)
            checked += 1
    assert checked > 300
