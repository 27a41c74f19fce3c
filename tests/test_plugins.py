"""Plugins: the example package of docs/plugins.md with a real entry point (an installed-package
record on ``sys.path``), loaded lazily on an unknown tag, in fresh processes; failing plugins
warn; ``--import`` and ``NSHSCHED_IMPORT`` on the command line."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import nshsched as S
from _helpers.processes import run_cli, run_code
from nshsched.config import plugins

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"


def doc_block(title: str) -> str:
    """The code block of docs/plugins.md titled ``title``."""
    m = re.search(rf'^```\w+ title="{re.escape(title)}"\n(.*?)^```$', DOC.read_text(), re.S | re.M)
    assert m, f"no block titled {title!r} in {DOC}"
    return m.group(1)


def install(site: Path, dist: str, files: dict[str, str], entry_points: dict[str, str]) -> Path:
    """What ``pip install`` leaves behind: the modules and a ``.dist-info`` with the entry
    points, in ``site`` (to be put on ``sys.path``)."""
    site.mkdir(exist_ok=True)
    for name, text in files.items():
        (site / name).write_text(text)
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    lines = [f"{name} = {value}" for name, value in entry_points.items()]
    (info / "entry_points.txt").write_text("[nshsched]\n" + "\n".join(lines) + "\n")
    return site


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """The docs' example package, installed into ``tmp_path / "site"``."""
    pyproject = tomllib.loads(doc_block("pyproject.toml"))
    return install(
        tmp_path / "site",
        pyproject["project"]["name"],
        {"nshsched_halfway.py": doc_block("nshsched_halfway.py")},
        pyproject["project"]["entry-points"]["nshsched"],
    )


def run(
    code: str,
    site: Path | None,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` (or ``python -m nshsched ARGS``) from a user's shell (no PYTHONPATH,
    no NSHSCHED_IMPORT) with ``site`` on the path, plus ``env``."""
    where: dict[str, Any] = dict(
        cwd=cwd, env=env, isolated=True, pythonpath=[site] if site is not None else []
    )
    return run_cli(*args, **where) if args is not None else run_code(code, **where)


def test_the_docs_example_declares_a_module_entry_point() -> None:
    pyproject = tomllib.loads(doc_block("pyproject.toml"))
    assert pyproject["project"]["entry-points"]["nshsched"] == {"halfway": "nshsched_halfway"}


def test_plugin_is_not_loaded_by_import_nor_for_builtin_tags(example_site: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        import nshsched as S
        assert "nshsched_halfway" not in sys.modules
        S.lr_scheduler_registry.construct({"name": "cosine"})
        S.OptimizationConfig.model_validate({"optimizer": {"name": "AdamW", "lr": 0.1},
                                             "scheduler": {"name": "StepLR", "step_size": 2}})
        assert "cosine" in S.lr_scheduler_registry and "adamw" in S.optimizer_registry
        assert "nshsched_halfway" not in sys.modules and "nshsched.config.plugins" not in sys.modules
        print("ok")
        """
    )
    result = run(code, example_site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "trigger",
    [
        'S.lr_scheduler_registry.construct({"name": "halfway_drop", "factor": 0.25})',
        'S.OptimizationConfig.model_validate({"optimizer": {"name": "sgd", "lr": 1},'
        ' "scheduler": {"name": "halfway_drop", "factor": 0.25}}).scheduler',
        'S.lr_scheduler_registry.get("Halfway-Drop")(factor=0.25)',
        '"halfway_drop" in S.lr_scheduler_registry and S.lr_scheduler_registry.get("halfway_drop")(factor=0.25)',
    ],
    ids=["construct", "nested-validation", "get", "contains"],
)
def test_unknown_tag_loads_the_plugin(example_site: Path, trigger: str) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        import nshsched as S
        cfg = {trigger}
        assert "nshsched_halfway" in sys.modules
        assert type(cfg).__name__ == "HalfwayDropConfig" and cfg.factor == 0.25
        lrs = S.preview(cfg, S.TrainingLength(steps_per_epoch=10, total_steps=100), [0.1])
        # lr(t) = 0.1 for t < 100 / 2, else 0.1 * 0.25
        print(lrs[0, 0], lrs[49, 0], lrs[50, 0], lrs[100, 0])
        """
    )
    result = run(code, example_site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [float(x) for x in result.stdout.split()] == pytest.approx(
        [0.1, 0.1, 0.025, 0.025], abs=1e-15
    )


def test_unknown_tag_without_plugin_is_still_the_registry_error(example_site: Path) -> None:
    code = textwrap.dedent(
        """
        import nshsched as S, pydantic
        try:
            S.lr_scheduler_registry.construct({"name": "halfway_dorp"})
        except pydantic.ValidationError as e:
            print("did you mean 'halfway_drop'" in str(e))
        """
    )
    result = run(code, example_site)
    assert result.stdout.strip() == "True", result.stderr[-3000:]


def test_checkpoint_with_a_plugin_config_loads_in_a_fresh_process(
    example_site: Path, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    save = textwrap.dedent(
        f"""
        import torch, nshsched as S
        cfg = S.lr_scheduler_registry.construct({{"name": "halfway_drop", "factor": 0.5}})
        opt = S.OptimizationConfig.model_validate({{"optimizer": {{"name": "sgd", "lr": 1}}, "scheduler": cfg}})
        torch.save({{"hyper_parameters": {{"scheduler": cfg, "optimization": opt}}}}, {str(tmp_path / "c.pt")!r})
        """
    )
    assert run(save, example_site).returncode == 0
    load = textwrap.dedent(
        f"""
        import sys, torch, nshsched as S
        hp = torch.load({str(tmp_path / "c.pt")!r}, weights_only=True)["hyper_parameters"]
        assert "nshsched_halfway" in sys.modules  # loaded as an installed plugin, not from the file
        print(type(hp["scheduler"]).__name__, hp["scheduler"].factor, hp["optimization"].scheduler == hp["scheduler"])
        """
    )
    result = run(load, example_site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["HalfwayDropConfig", "0.5", "True"]


# ---------------------------------------------------------------------- in process: failures

PLUGIN_MODULE = """
from typing import Literal
import nshsched as S

CONSTANT = 3


def register():
    @S.lr_scheduler_registry.register
    class FromCallableConfig(S.ClosedFormLRSchedulerConfigBase):
        name: Literal["from_callable_xyz"] = "from_callable_xyz"

        def multiplier(self, step, length):
            return 1.0


def boom():
    raise RuntimeError("the plugin is broken")
"""

RECURSIVE_MODULE = """
import nshsched as S

# a plugin that meets an unknown tag while it is being loaded: no recursion
FOUND = "not_a_tag_anywhere" in S.lr_scheduler_registry
"""


@pytest.fixture
def restore_registry(monkeypatch: pytest.MonkeyPatch):
    modules = set(sys.modules)
    with S.lr_scheduler_registry.scoped():
        yield
    for name in set(sys.modules) - modules:
        if name.startswith(("plugin_mod_xyz", "recursive_xyz", "nshsched_halfway")):
            del sys.modules[name]


def test_failing_plugins_warn_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_registry: None
) -> None:
    site = install(
        tmp_path / "site",
        "mixed-plugins",
        {"plugin_mod_xyz.py": PLUGIN_MODULE, "recursive_xyz.py": RECURSIVE_MODULE},
        {
            "a_missing": "no_such_module_xyz",
            "b_raises": "plugin_mod_xyz:boom",
            "c_not_callable": "plugin_mod_xyz:CONSTANT",
            "d_callable": "plugin_mod_xyz:register",
            "e_recursive": "recursive_xyz",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.warns(plugins.PluginWarning) as record:
        loaded = plugins.load_entry_points(rescan=True)
    messages = [str(w.message) for w in record]
    assert len(messages) == 3, messages
    assert re.search(
        r"plugin 'a_missing' \(no_such_module_xyz\) failed to load: ModuleNotFoundError",
        messages[0],
    )
    assert re.search(
        r"plugin 'b_raises' \(plugin_mod_xyz:boom\) failed to load: RuntimeError: the plugin is broken",
        messages[1],
    )
    assert re.search(
        r"plugin 'c_not_callable' .* names a int; name a module to import or a function",
        messages[2],
    )
    assert "d_callable" in loaded and "e_recursive" in loaded
    assert "from_callable_xyz" in S.lr_scheduler_registry
    assert sys.modules["recursive_xyz"].FOUND is False
    # each entry point is tried once per process
    assert plugins.load_entry_points(rescan=True) == []


def test_entry_points_lists_the_group(example_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(example_site))
    names = [(ep.name, ep.value) for ep in plugins.entry_points()]
    assert ("halfway", "nshsched_halfway") in names


# ---------------------------------------------------------------------- import_modules


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", []), ("a", ["a"]), (" a , b.c ,, ", ["a", "b.c"])],
)
def test_env_modules(value: str, expected: list[str]) -> None:
    assert plugins.env_modules({plugins.ENV_VAR: value}) == expected


@pytest.mark.parametrize(
    ("name", "match"),
    [
        (
            "no_such_module_xyz",
            r"--import: cannot import 'no_such_module_xyz': ModuleNotFoundError",
        ),
        ("../evil", r"--import: '../evil' is not a module name"),
        ("a b", r"--import: 'a b' is not a module name"),
    ],
)
def test_import_modules_errors(name: str, match: str) -> None:
    with pytest.raises(plugins.PluginImportError, match=match):
        plugins.import_modules([name])


def test_import_modules_error_inside_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_mod_xyz.py").write_text("raise ValueError('bad module')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(
        plugins.PluginImportError,
        match=r"NSHSCHED_IMPORT: cannot import 'broken_mod_xyz': ValueError: bad module",
    ):
        plugins.import_modules(["broken_mod_xyz"], source="NSHSCHED_IMPORT")


def test_many_threads_meeting_the_plugin_tag_at_once(example_site: Path) -> None:
    code = textwrap.dedent(
        """
        import sys, threading
        import nshsched as S

        S.lr_scheduler_registry  # the built-ins are loaded; the plugin is not
        barrier, results, errors = threading.Barrier(8), [], []

        def work():
            barrier.wait()
            try:
                results.append(S.lr_scheduler_registry.construct({"name": "halfway_drop"}).factor)
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(len(results), sorted(set(results)), errors)
        """
    )
    result = run(code, example_site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "8 [0.1] []"
