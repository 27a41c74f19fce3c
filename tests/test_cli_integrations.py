"""The command line meets user code: ``--import`` / ``NSHSCHED_IMPORT`` on every subcommand,
entry-point plugins in ``list``/``schema``/``validate``, and ``nshsched groups``."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from _helpers.processes import assert_clean_error, run_cli
from nshsched.config import plugins

USER_MODULE = '''
from typing import Literal
import nshsched as S


@S.lr_scheduler_registry.register
class ImportedDropConfig(S.ClosedFormLRSchedulerConfigBase):
    """A drop to `factor` at the half of training (a user's module)."""

    name: Literal["imported_drop"] = "imported_drop"
    factor: float = 0.5

    def multiplier(self, step, length):
        import numpy as np
        return np.where(np.asarray(step) < length.total_steps / 2, 1.0, self.factor)
'''

MODELS = """
import torch


class Agent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Linear(4, 8)
        self.actor = torch.nn.Linear(8, 2)


def build():
    return Agent()


def not_a_module():
    return 42


def broken():
    raise RuntimeError("cannot build")
"""


def nshsched(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m nshsched ARGS`` in ``cwd``, from a user's shell (no PYTHONPATH, no
    NSHSCHED_IMPORT) plus ``env``."""
    return run_cli(*args, cwd=cwd, env=env, isolated=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with a user module, a model factory and config files."""
    (tmp_path / "my_schedules_xyz.py").write_text(USER_MODULE)
    (tmp_path / "my_models_xyz.py").write_text(MODELS)
    (tmp_path / "sched.yaml").write_text("name: imported_drop\nfactor: 0.25\n")
    (tmp_path / "opt.yaml").write_text(
        textwrap.dedent(
            """\
            optimizer: {name: adamw, lr: 0.001, weight_decay: 0.01}
            scheduler: {name: imported_drop}
            param_groups:
              - {name: actor, params: ["actor.*"], lr_scale: 3}
            """
        )
    )
    return tmp_path


# ---------------------------------------------------------------------- --import


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["validate", "sched.yaml"],
            "sched.yaml: valid scheduler config: imported_drop (ImportedDropConfig)",
        ),
        (["preview", "sched.yaml", "--total-steps", "10", "--out", "lr.csv"], ""),
        (["list"], "imported_drop"),
        (["schema", "scheduler"], '"imported_drop"'),
        (["groups", "opt.yaml", "--model", "my_models_xyz:build"], "imported_drop"),
    ],
    ids=["validate", "preview", "list", "schema", "groups"],
)
def test_every_subcommand_takes_import(project: Path, args: list[str], expected: str) -> None:
    result = nshsched(*args, "--import", "my_schedules_xyz", cwd=project)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    if args[0] == "preview":
        rows = (project / "lr.csv").read_text().splitlines()
        # lr(t) = 1 for t < 10 / 2, else 0.25 (the multiplier: --lr defaults to 1)
        assert [float(r.split(",")[1]) for r in rows[1:]] == [1.0] * 5 + [0.25] * 6


@pytest.mark.parametrize("value", ["my_schedules_xyz", " my_schedules_xyz , json "])
def test_nshsched_import_environment_variable(project: Path, value: str) -> None:
    result = nshsched("validate", "sched.yaml", cwd=project, env={plugins.ENV_VAR: value})
    assert result.returncode == 0, result.stderr
    assert "valid scheduler config: imported_drop" in result.stdout


def test_without_import_the_tag_is_unknown(project: Path) -> None:
    result = nshsched("validate", "sched.yaml", cwd=project)
    assert_clean_error(result, 1, "unknown name 'imported_drop'")


def test_import_is_repeatable(project: Path) -> None:
    (project / "other_xyz.py").write_text("import nshsched as S\nS.presets\n")
    result = nshsched(
        "validate",
        "sched.yaml",
        "--import",
        "other_xyz",
        "--import",
        "my_schedules_xyz",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (
            ["validate", "sched.yaml", "--import", "no_such_module_xyz"],
            {},
            [
                "nshsched validate: error: --import: cannot import 'no_such_module_xyz': ModuleNotFoundError"
            ],
        ),
        (
            ["list"],
            {plugins.ENV_VAR: "no_such_module_xyz"},
            ["nshsched list: error: NSHSCHED_IMPORT: cannot import 'no_such_module_xyz'"],
        ),
        (
            ["schema", "--import", "not a module"],
            {},
            ["--import: 'not a module' is not a module name"],
        ),
    ],
)
def test_import_errors(
    project: Path, args: list[str], env: dict[str, str], fragments: list[str]
) -> None:
    assert_clean_error(nshsched(*args, cwd=project, env=env), 1, *fragments)


# ---------------------------------------------------------------------- entry points


@pytest.fixture
def plugin_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ep_schedules_xyz.py").write_text(USER_MODULE.replace("imported_drop", "ep_drop"))
    info = site / "ep_plugin_xyz-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin-xyz\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[nshsched]\ndrops = ep_schedules_xyz\nbroken = no_such_plugin_xyz\n"
    )
    return site


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list"], "ep_drop"),
        (["schema", "scheduler"], '"ep_drop"'),
        (["validate", "ep.yaml"], "valid scheduler config: ep_drop"),
    ],
)
def test_entry_point_plugins_in_the_command(
    tmp_path: Path, plugin_site: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "ep.yaml").write_text("name: ep_drop\n")
    result = nshsched(*args, cwd=tmp_path, env={"PYTHONPATH": str(plugin_site)})
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    # the broken plugin is a warning naming it, not a failure
    assert "plugin 'broken' (no_such_plugin_xyz) failed to load" in result.stderr
    assert "Traceback" not in result.stderr


def test_builtin_configs_load_no_plugin(tmp_path: Path, plugin_site: Path) -> None:
    (tmp_path / "cos.yaml").write_text("name: cosine\n")
    result = nshsched("validate", "cos.yaml", cwd=tmp_path, env={"PYTHONPATH": str(plugin_site)})
    assert result.returncode == 0, result.stderr
    assert "failed to load" not in result.stderr  # the plugins were never loaded


# ---------------------------------------------------------------------- groups


def test_groups_table(project: Path) -> None:
    result = nshsched(
        "groups",
        "opt.yaml",
        "--model",
        "my_models_xyz:build",
        "--import",
        "my_schedules_xyz",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "group    tensors  elements  base lr  weight decay  schedule",
        "actor          2        18    0.003          0.01  imported_drop",
        "default        2        40    0.001          0.01  imported_drop",
        "total          4        58",
    ]


def test_groups_with_set_and_an_optimizer_file(project: Path) -> None:
    (project / "adam.yaml").write_text("name: adam\nlr: 0.01\n")
    result = nshsched(
        "groups", "adam.yaml", "--model", "my_models_xyz:Agent", "--set", "lr=0.5", cwd=project
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split() == ["default", "4", "58", "0.5", "0", "constant"]


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["--model", "my_models_xyz"],
            2,
            ["--model expects pkg.module:factory, got 'my_models_xyz'"],
        ),
        (
            ["--model", "nowhere_xyz:build"],
            1,
            ["--model: cannot import 'nowhere_xyz': ModuleNotFoundError"],
        ),
        (
            ["--model", "my_models_xyz:nothing"],
            1,
            ["module 'my_models_xyz' has no attribute 'nothing'"],
        ),
        (["--model", "my_models_xyz:not_a_module"], 1, ["returned a int, not a torch.nn.Module"]),
        (["--model", "my_models_xyz:broken"], 1, ["calling it failed: RuntimeError: cannot build"]),
        (
            ["--model", "my_models_xyz:build", "--set", "param_groups.0.params.0=critic.*"],
            1,
            ["pattern 'critic.*' matches no parameter"],
        ),
    ],
)
def test_groups_errors(project: Path, args: list[str], code: int, fragments: list[str]) -> None:
    result = nshsched("groups", "opt.yaml", "--import", "my_schedules_xyz", *args, cwd=project)
    assert_clean_error(result, code, *fragments)


def test_groups_refuses_a_scheduler_file(project: Path) -> None:
    result = nshsched(
        "groups",
        "sched.yaml",
        "--model",
        "my_models_xyz:build",
        "--import",
        "my_schedules_xyz",
        cwd=project,
    )
    assert_clean_error(result, 1, "holds a scheduler config; `groups` needs an OptimizationConfig")


def test_groups_requires_model(project: Path) -> None:
    result = nshsched("groups", "opt.yaml", cwd=project)
    assert_clean_error(result, 2, "--model")
