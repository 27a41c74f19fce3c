"""``preview`` of an ``OptimizationConfig``: from the config alone (no torch, no optimizer),
equal to ``build()`` stepped by hand for the same groups; ``--model`` on the command line,
equal to ``preview(..., model=...)``."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import textwrap
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import torch

import nshsched as S
from _helpers.processes import assert_clean_error, run_cli, run_code


@S.lr_scheduler_registry.register
class PreviewHalvingConfig(S.LRSchedulerConfigBase):
    """A user's torch scheduler (``create_scheduler_impl`` only): halves every 3 steps."""

    name: Literal["test_preview_halving"] = "test_preview_halving"

    def metadata(self) -> S.LRSchedulerMetadata:
        return {"interval": "step"}

    def create_scheduler_impl(self, optimizer: Any, length: S.TrainingLength) -> Any:
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)


class Net(torch.nn.Module):
    """Two blocks and a head of 2-D weights only (Muon takes no other)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = torch.nn.Sequential(
            torch.nn.Linear(4, 4, bias=False), torch.nn.Linear(4, 4, bias=False)
        )
        self.head = torch.nn.Linear(4, 2, bias=False)
        self.extra = torch.nn.Linear(2, 2, bias=False)


LENGTH = S.TrainingLength(steps_per_epoch=4, total_steps=20)

# Each config's groups are exactly those build() makes on Net: every configured group, then
# default (``extra``).
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "adamw, lr_scale and lr, scheduled weight decay and beta2": (
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "scheduler": {"name": "cosine", "warmup": {"kind": "steps", "value": 4}},
            "param_groups": [
                {"name": "head", "params": ["head.*"], "lr_scale": 10},
                {"name": "blocks", "params": ["blocks.*"], "lr": 5e-4, "weight_decay": 0.0},
            ],
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "linear"}},
                "betas.1": {"schedule": {"name": "cosine"}, "start": 0.95, "end": 0.999},
            },
        },
        ["lr", "weight_decay", "betas.1"],
    ),
    "sgd with momentum, one_cycle_lr cycling it, an epoch schedule of a group's own": (
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4},
            "scheduler": {"name": "one_cycle_lr", "max_lr": 0.5},
            "param_groups": [
                {
                    "name": "head",
                    "params": ["head.*"],
                    "lr_scale": 2,
                    "scheduler": {"name": "step_lr", "step_size": 2, "gamma": 0.5},
                },
                {"name": "blocks", "params": ["blocks.*"], "scheduler": None, "lr": 0.01},
            ],
        },
        ["lr", "momentum"],
    ),
    "muon, a group lr, a warmup joined to an epoch schedule": (
        {
            "optimizer": {"name": "muon", "lr": 0.02, "weight_decay": 0.1},
            "scheduler": {
                "name": "cosine_annealing_lr",
                "T_max": 4,
                "warmup": {"kind": "steps", "value": 3},
            },
            "param_groups": [{"name": "head", "params": ["head.*", "blocks.1.*"], "lr": 0.01}],
        },
        ["lr", "momentum", "weight_decay"],
    ),
    "muon, a user's create_scheduler_impl (stepped)": (
        {
            "optimizer": {"name": "muon", "lr": 0.02},
            "scheduler": {"name": "test_preview_halving"},
            "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 0.5}],
        },
        ["lr"],
    ),
}


def stepped_by_hand(config: S.OptimizationConfig, keys: list[str]) -> dict[str, np.ndarray]:
    """``build(Net(), LENGTH)``, stepped as a plain loop does: each key of each group at
    optimizer steps 0..total."""
    optimizer, scheduler = config.build(Net(), LENGTH)
    out: dict[str, list[list[float]]] = {key: [] for key in keys}
    for _ in range(LENGTH.total_steps + 1):
        for key in keys:
            name, _, index = key.partition(".")
            out[key].append(
                [float(g[name][int(index)] if index else g[name]) for g in optimizer.param_groups]
            )
        optimizer.step()  # no gradients: the parameters stay, the schedule moves
        if scheduler is not None:
            scheduler.step()
    return {key: np.array(rows) for key, rows in out.items()}


@pytest.mark.filterwarnings("ignore:param group.*set their own scheduler")
@pytest.mark.parametrize("case", list(CASES))
def test_preview_without_a_model_equals_build_stepped_by_hand(case: str) -> None:
    data, keys = CASES[case]
    config = S.OptimizationConfig.model_validate(data)
    expected = stepped_by_hand(config.model_copy(deep=True), keys)
    names = [g["name"] for g in config.create_optimizer(Net()).param_groups]
    assert (
        S.preview_groups(config) == names == [g["name"] for g in data["param_groups"]] + ["default"]
    )
    for key in keys:
        table = S.preview(config, LENGTH, key=key)
        assert table.shape == (LENGTH.total_steps + 1, len(names))
        np.testing.assert_allclose(table, expected[key], rtol=1e-12, atol=1e-15, err_msg=key)
        # the same with the model: the groups build() makes
        with_model = S.preview(config, LENGTH, model=Net(), key=key)
        np.testing.assert_allclose(with_model, expected[key], rtol=1e-12, atol=1e-15)


def test_preview_without_a_model_formulas() -> None:
    config = S.OptimizationConfig.model_validate(CASES[next(iter(CASES))][0])
    lr = S.preview(config, LENGTH)
    wd = S.preview(config, LENGTH, key="weight_decay")
    beta2 = S.preview(config, LENGTH, key="betas.1")
    total, warmup = LENGTH.total_steps, 4
    for t in range(total + 1):
        # cosine: t / W over the warmup, then (1 + cos(pi (t - W) / (T - W))) / 2
        m = (
            t / warmup
            if t < warmup
            else (1 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2
        )
        assert lr[t].tolist() == pytest.approx([1e-2 * m, 5e-4 * m, 1e-3 * m], rel=1e-12, abs=1e-18)
        # linear from step 0 (no warmup): (T - t) / T of each group's own weight decay
        assert wd[t].tolist() == pytest.approx(
            [0.05 * (total - t) / total, 0.0, 0.05 * (total - t) / total], rel=1e-12, abs=1e-18
        )
        # start/end: end + (start - end) * cosine(t), every group's default beta2 alike
        c = (1 + math.cos(math.pi * t / total)) / 2
        assert beta2[t].tolist() == pytest.approx([0.999 + (0.95 - 0.999) * c] * 3, rel=1e-12)


def test_preview_without_a_model_shows_every_configured_group() -> None:
    # No model: every configured group has a column (also one that a model could leave empty)
    config = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "muon", "lr": 0.02},
            "param_groups": [{"name": f"g{i}", "params": [f"g{i}.*"]} for i in range(3)],
        }
    )
    assert S.preview_groups(config) == ["g0", "g1", "g2", "default"]
    assert S.preview(config, LENGTH).tolist() == [[0.02] * 4] * (LENGTH.total_steps + 1)


def test_preview_of_an_optimization_config_imports_no_torch(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(
        textwrap.dedent(
            """\
            optimizer: {name: muon, lr: 0.02, weight_decay: 0.1}
            scheduler: {name: cosine, warmup: {kind: fraction, value: 0.1}}
            param_groups:
              - {name: hidden, params: ["blocks.*"], lr_scale: 0.5}
              - {name: head, params: ["head.*"], lr: 0.01, scheduler: {name: linear}}
            hyperparameters:
              weight_decay: {schedule: {name: linear}}
            """
        )
    )
    code = textwrap.dedent(
        f"""\
        import contextlib, io, sys, warnings
        warnings.simplefilter("ignore")
        import nshsched as S
        from nshsched.cli import main
        path = {str(tmp_path / "o.yaml")!r}
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["preview", path, "--total-steps", "50", "--out", path + ".csv"]) == 0
            assert main(["preview", path, "--key", "weight_decay", "--lr", "0.1"]) == 0
            assert main(["validate", path, "--total-steps", "50"]) == 0
        config = S.OptimizationConfig.from_file(path)
        length = S.TrainingLength(steps_per_epoch=10, total_steps=50)
        assert S.preview(config, length).shape == (51, 3)
        assert S.preview(config, length, key="momentum")[0].tolist() == [0.95] * 3
        assert S.preview(config, length, steps=[0, 50], key="weight_decay")[1].tolist() == [0.0] * 3
        assert S.preview_groups(config) == ["hidden", "head", "default"]
        assert "torch" not in sys.modules, "preview of an OptimizationConfig imported torch"
        print(open(path + ".csv").readline().strip())
        """
    )
    result = run_code(code, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "step,hidden,head,default"


# ---------------------------------------------------------------------- --model

MODELS = """
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(4, 4)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(4, 4) for _ in range(2)])
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 2)


def build():
    return Net()


def not_a_module():
    return 42


def broken():
    raise RuntimeError("cannot build")
"""

OPTIMIZATION = """\
optimizer: {name: adamw, lr: 0.001, weight_decay: 0.05}
scheduler: {name: cosine, warmup: {kind: steps, value: 5}}
param_groups:
  - {name: head, params: ["head.*"], lr_scale: 10, scheduler: {name: linear}}
layer_decay: {rate: 0.5}
no_weight_decay: true
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with a model factory and an OptimizationConfig file."""
    (tmp_path / "preview_models_xyz.py").write_text(MODELS)
    (tmp_path / "opt.yaml").write_text(OPTIMIZATION)
    (tmp_path / "sched.yaml").write_text("name: cosine\n")
    return tmp_path


def nshsched(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m nshsched ARGS`` in ``cwd``, as from a user's shell."""
    return run_cli(*args, cwd=cwd, isolated=True, timeout=120)


def user_model(project: Path) -> torch.nn.Module:
    spec = importlib.util.spec_from_file_location(
        "preview_models_xyz", project / "preview_models_xyz.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build()  # type: ignore[no-any-return]


@pytest.mark.filterwarnings("ignore:param group.*set their own scheduler")
def test_model_option_previews_the_groups_build_makes(project: Path) -> None:
    result = nshsched(
        "preview",
        "opt.yaml",
        "--model",
        "preview_models_xyz:build",
        "--total-steps",
        "30",
        "--out",
        "lr.csv",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert "(OptimizationConfig on a Net), 30 steps" in result.stdout
    rows = [line.split(",") for line in (project / "lr.csv").read_text().splitlines()]
    # one column per torch group build() makes: layer-decay parts, _no_decay siblings
    # (embed: the embeddings, blocks: layers 0 and 1, norm: the last layer)
    assert rows[0] == [
        "step",
        "head",
        "head_no_decay",
        "default.embeddings",
        "default.layer0",
        "default.layer1",
        "default_no_decay.embeddings",
        "default_no_decay.layer0",
        "default_no_decay.layer1",
        "default_no_decay.last",
    ]
    config = S.OptimizationConfig.from_file(project / "opt.yaml")
    model = user_model(project)
    assert rows[0][1:] == S.preview_groups(config, model)
    length = S.TrainingLength(steps_per_epoch=30, total_steps=30)
    table = S.preview(config, length, model=model)
    assert [[int(r[0])] + [float(v) for v in r[1:]] for r in rows[1:]] == [
        [t, *table[t].tolist()] for t in range(31)
    ]  # repr round-trips: equal floats
    # the values: lr x layer-decay factor x schedule (head: its own linear, lr_scale 10;
    # the others: cosine with a warmup of 5 steps, the embeddings decayed by 0.5**3)
    for t in (0, 3, 10, 15, 30):
        linear = (30 - t) / 30
        cosine = t / 5 if t < 5 else (1 + math.cos(math.pi * (t - 5) / 25)) / 2
        assert table[t, 0] == pytest.approx(1e-2 * linear, rel=1e-12, abs=1e-18)
        assert table[t, 2] == pytest.approx(1e-3 * 0.5**3 * cosine, rel=1e-12, abs=1e-18)


def test_model_option_with_key(project: Path) -> None:
    result = nshsched(
        "preview",
        "opt.yaml",
        "--model",
        "preview_models_xyz:build",
        "--key",
        "weight_decay",
        "--total-steps",
        "10",
        "--out",
        "wd.csv",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    rows = (project / "wd.csv").read_text().splitlines()
    # the no-decay siblings hold 0, the others the optimizer's 0.05, at every step
    assert rows[0].split(",")[1:3] == ["head", "head_no_decay"]
    assert rows[1].split(",") == [
        "0",
        "0.05",
        "0.0",
        "0.05",
        "0.05",
        "0.05",
        "0.0",
        "0.0",
        "0.0",
        "0.0",
    ]


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["opt.yaml", "--model", "preview_models_xyz"],
            2,
            ["--model expects pkg.module:factory, got 'preview_models_xyz'"],
        ),
        (
            ["opt.yaml", "--model", "nowhere_xyz:build"],
            1,
            ["--model: cannot import 'nowhere_xyz': ModuleNotFoundError"],
        ),
        (
            ["opt.yaml", "--model", "preview_models_xyz:nothing"],
            1,
            ["module 'preview_models_xyz' has no attribute 'nothing'"],
        ),
        (
            ["opt.yaml", "--model", "preview_models_xyz:not_a_module"],
            1,
            ["returned a int, not a torch.nn.Module"],
        ),
        (
            ["opt.yaml", "--model", "preview_models_xyz:broken"],
            1,
            ["calling it failed: RuntimeError: cannot build"],
        ),
        (
            [
                "opt.yaml",
                "--model",
                "preview_models_xyz:build",
                "--set",
                "param_groups.0.params.0=tail.*",
            ],
            1,
            ["cannot preview it for 1000 steps", "pattern 'tail.*' matches no parameter"],
        ),
        (
            ["sched.yaml", "--model", "preview_models_xyz:build"],
            1,
            ["--model needs an OptimizationConfig", "file sched.yaml holds a scheduler config"],
        ),
        (
            ["constant", "--model", "preview_models_xyz:build"],
            1,
            ["--model needs an OptimizationConfig", "preset constant holds a scheduler config"],
        ),
    ],
)
def test_model_option_errors(
    project: Path, args: list[str], code: int, fragments: list[str]
) -> None:
    assert_clean_error(nshsched("preview", *args, cwd=project), code, *fragments)


def test_model_option_needs_no_model_module_for_a_scheduler_file(project: Path) -> None:
    # refused before the model is loaded (torch is never imported)
    run = run_code(
        textwrap.dedent(
            """\
            import contextlib, io, sys
            from nshsched.cli import main
            with contextlib.redirect_stderr(io.StringIO()):
                assert main(["preview", "sched.yaml", "--model", "preview_models_xyz:build"]) == 1
            assert "torch" not in sys.modules and "preview_models_xyz" not in sys.modules
            print("ok")
            """
        ),
        cwd=project,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_custom_scheduler_preview_steps_a_throw_away_optimizer() -> None:
    # the only preview of an OptimizationConfig that needs torch: no closed form
    config = S.OptimizationConfig.model_validate(
        CASES["muon, a user's create_scheduler_impl (stepped)"][0]
    )
    table = S.preview(config, LENGTH)
    for t in range(LENGTH.total_steps + 1):
        assert table[t].tolist() == pytest.approx(
            [0.01 * 0.5 ** (t // 3), 0.02 * 0.5 ** (t // 3)], rel=1e-12
        )
    with pytest.raises(ValueError, match="key='momentum' cannot be shown for PreviewHalvingConfig"):
        S.preview(config, LENGTH, key="momentum")
