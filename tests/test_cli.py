"""The ``nshsched`` command: subprocess runs of every subcommand and failure path, plus
in-process checks of the pieces (``--set``, classification, CSV, key points)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

import nshsched as S
from _helpers.processes import (
    BLOCK_MATPLOTLIB,
    assert_clean_error,
    output_of,
    run_cli,
    run_code,
)
from nshsched import cli
from nshsched.cli._keypoints import boundary_labels, key_points
from nshsched.cli._render import write_csv


def run(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """``python -m nshsched ARGS`` (or ``python -c CODE ARGS``) in a fresh interpreter."""
    return run_code(code, *args, timeout=60) if code else run_cli(*args, timeout=60)


# One fresh interpreter runs many commands (``main(argv)`` each, with its own stdout,
# stderr and exit code): subprocesses cost ~0.5 s each. An uncaught exception (a traceback)
# crashes the batch, so every case below is also a no-traceback check.
_BATCH = textwrap.dedent(
    """\
    import contextlib, io, json, sys
    from nshsched.cli import main
    results = {}
    for key, argv in json.loads(sys.argv[1]).items():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
        results[key] = {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                        "torch": "torch" in sys.modules,
                        "timm_plugin": "nshsched.optimizer.timm" in sys.modules}
    results["torch imported"] = "torch" in sys.modules
    print(json.dumps(results))
    """
)


class Result:
    def __init__(
        self,
        returncode: int,
        stdout: str,
        stderr: str,
        torch: bool = False,
        timm_plugin: bool = False,
    ) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.torch, self.timm_plugin = torch, timm_plugin


def run_batch(cases: dict[str, list[str]]) -> dict[str, Any]:
    data = json.loads(output_of(run(json.dumps(cases), code=_BATCH)))
    return {k: v if k == "torch imported" else Result(**v) for k, v in data.items()}


def _write_files(d: Path) -> Path:
    (d / "opt.yaml").write_text(
        textwrap.dedent(
            """\
            optimizer: {name: AdamW, lr: 1e-3, weight_decay: 0.01}
            scheduler:
              name: linear_warmup_cosine_decay
              warmup_duration: {kind: fraction, value: 0.1}
              max_duration: {kind: fraction, value: 1.0}
            """
        )
    )
    (d / "bad.yaml").write_text(
        textwrap.dedent(
            """\
            optimizer: {name: adamw, lr: 1e-3}
            scheduler:
              name: linear_warmup_cosine_decay
              warmup_duration: {kind: fraction, value: 1.5}
              max_duration: {kind: fraction, value: 1.0}
              min_lr_factr: 0.1
            """
        )
    )
    (d / "sched.json").write_text(json.dumps({"name": "cosine", "warmup": 10}))
    (d / "broken.yaml").write_text("name: [cosine\n")
    (d / "evil.yaml").write_text(f"!!python/object/apply:os.system ['touch {d / 'marker'}']\n")
    return d


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return _write_files(tmp_path)


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_files(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def no_torch_batch(batch_dir: Path) -> dict[str, Any]:
    """validate, schema and list (then previews of closed forms) in one fresh interpreter;
    the batch reports whether torch got imported."""
    d = str(batch_dir)
    return run_batch(
        {
            "validate ok": ["validate", f"{d}/opt.yaml"],
            "validate json": ["validate", f"{d}/sched.json"],
            "validate bad": ["validate", f"{d}/bad.yaml"],
            "bad yaml": ["validate", f"{d}/broken.yaml"],
            "evil validate": ["validate", f"{d}/evil.yaml"],
            "evil preview": ["preview", f"{d}/evil.yaml"],
            "unknown preset": ["preview", "gentle_decy"],
            "usage": ["preview", "constant", "--epochs", "3"],
            "schema scheduler": ["schema", "scheduler"],
            "schema optimizer": ["schema", "optimizer"],
            "schema": ["schema"],
            "list": ["list"],
        }
    )


@pytest.fixture(scope="module")
def help_batch() -> dict[str, Any]:
    return run_batch(
        {
            " ".join(argv) or "top": [*argv, "--help"]
            for argv in ([], ["preview"], ["validate"], ["schema"], ["list"])
        }
    )


# ---------------------------------------------------------------------- subprocess runs


def test_help_of_every_subcommand(help_batch: dict[str, Any]) -> None:
    for key in ("top", "preview", "validate", "schema", "list"):
        result = help_batch[key]
        assert result.returncode == 0, key
        assert result.stdout.startswith("usage: nshsched"), key
    assert "--steps-per-epoch S" in help_batch["preview"].stdout


def test_validate_schema_list_never_import_torch(no_torch_batch: dict[str, Any]) -> None:
    # nshsched itself imports no torch here. `schema` and `list` load the installed plugins,
    # and nshsched's own timm plugin imports timm (so torch) to list timm's optimizers.
    for key, result in no_torch_batch.items():
        if key != "torch imported":
            assert not result.torch or result.timm_plugin, key
    plugin_loaded = any(r.timm_plugin for k, r in no_torch_batch.items() if k != "torch imported")
    assert not no_torch_batch["torch imported"] or plugin_loaded


def test_preview_needs_no_torch_for_closed_forms(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""\
        import contextlib, io, sys
        from nshsched.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["preview", "differential", "--total-steps", "100"]) == 0
            assert main(["preview", "warmup_cosine", "--out", {str(tmp_path / "x.csv")!r}]) == 0
        assert "torch" not in sys.modules, "preview of closed forms imported torch"
        print("no torch")
        """
    )
    result = run(code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no torch"


def test_preview_preset_terminal_table_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "lr.csv"
    result = run("preview", "warmup_cosine", "--total-steps", "200", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("preset warmup_cosine: cosine (CosineSchedulerConfig), 200 steps")
    assert any("┤" in line for line in lines)  # plotext's axis
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in lines[-8:-1]}
    assert rows["start"] == ["0", "0"]
    assert rows["end of warmup"] == ["10", "1"]
    assert rows["end"] == ["200", "0"]
    assert lines[-1] == f"wrote {out}"
    csv = out.read_text().splitlines()
    assert csv[0] == "step,lr"
    assert len(csv) == 202
    assert csv[1] == "0,0.0" and csv[6] == "5,0.5" and csv[11] == "10,1.0"
    assert csv[-1] == "200,0.0"


def test_validate_valid_files(no_torch_batch: dict[str, Any], batch_dir: Path) -> None:
    result = no_torch_batch["validate ok"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{batch_dir}/opt.yaml: valid OptimizationConfig: optimizer adamw (lr=0.001), "
        "scheduler linear_warmup_cosine_decay, 0 param group(s)"
    )
    result = no_torch_batch["validate json"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{batch_dir}/sched.json: valid scheduler config: cosine (CosineSchedulerConfig), "
        "interval step"
    )


def test_validate_reports_every_error_with_its_path(no_torch_batch: dict[str, Any]) -> None:
    result = no_torch_batch["validate bad"]
    assert_clean_error(
        result,
        1,
        "2 validation errors for ",
        "bad.yaml (OptimizationConfig)\n",
        "  scheduler.warmup_duration.value: Input should be less than or equal to 1 (got 1.5)",
        "  scheduler.min_lr_factr: not a field of LinearWarmupCosineDecayLRSchedulerConfig "
        "(got 0.1); did you mean 'min_lr_factor'?",
    )
    assert result.stdout == ""


def test_bad_yaml(no_torch_batch: dict[str, Any]) -> None:
    assert_clean_error(
        no_torch_batch["bad yaml"], 1, "broken.yaml, line 2, column 1: not valid YAML/JSON"
    )


def test_python_object_tag_never_runs(no_torch_batch: dict[str, Any], batch_dir: Path) -> None:
    for key in ("evil validate", "evil preview"):
        assert_clean_error(
            no_torch_batch[key],
            1,
            "the YAML tag '!!python/object/apply:os.system' is not allowed",
            "nothing was run",
        )
    assert not (batch_dir / "marker").exists()


def test_unknown_preset_suggests(no_torch_batch: dict[str, Any]) -> None:
    assert_clean_error(
        no_torch_batch["unknown preset"],
        1,
        "unknown preset 'gentle_decy'",
        "gentle_decay",
        "(did you mean 'gentle_decay'?)",
    )


def test_usage_errors_exit_2(
    no_torch_batch: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_clean_error(
        no_torch_batch["usage"], 2, "usage: nshsched preview", "--epochs needs --steps-per-epoch"
    )
    assert cli.main(["preview", "constant", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--out must end in .png or .csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["schema", "nope"])
    assert e.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["preview", "constant", "--total-steps", "0"])
    assert e.value.code == 2
    assert "expected a positive integer, got '0'" in capsys.readouterr().err


def test_png_without_matplotlib_says_what_to_install(tmp_path: Path) -> None:
    out = tmp_path / "lr.png"
    result = run(
        "preview", "constant", "--total-steps", "10", "--out", str(out), code=BLOCK_MATPLOTLIB
    )
    assert_clean_error(result, 1, "needs matplotlib", "pip install 'nshsched[plot]'")
    assert not out.exists()


def test_schema(no_torch_batch: dict[str, Any]) -> None:
    result = no_torch_batch["schema scheduler"]
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    tags = set(schema["discriminator"]["mapping"])
    assert {"cosine", "step_decay", "per_group", "sequential", "cosine_annealing_lr"} <= tags
    cosine = schema["$defs"]["CosineSchedulerConfig"]
    assert cosine["description"] and cosine["properties"]["num_cycles"]["description"]
    optimizer = json.loads(no_torch_batch["schema optimizer"].stdout)
    assert "adamw" in optimizer["discriminator"]["mapping"]
    assert optimizer["$defs"]["AdamWConfig"]["properties"]["weight_decay"]["description"]
    # the default: a whole OptimizationConfig
    whole = json.loads(no_torch_batch["schema"].stdout)
    assert {"optimizer", "scheduler", "param_groups"} <= set(whole["properties"])


def test_list(no_torch_batch: dict[str, Any]) -> None:
    result = no_torch_batch["list"]
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.index("optimizers:") < text.index("schedulers:") < text.index("presets:")
    adamw = next(line for line in text.splitlines() if line.split()[:1] == ["adamw"])
    assert len(adamw.split()) > 1  # a one-line description
    for name in ("cosine", "step_decay", "gentle_decay", "differential", "warmup_cosine"):
        assert f"\n  {name} " in text


# ---------------------------------------------------------------------- in process


def test_png_with_matplotlib(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "lr.png"
    assert cli.main(["preview", "differential", "--total-steps", "200", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out.endswith(f"wrote {out}\n")


def test_preview_file_with_epochs_lr_and_set(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["preview", str(files / "sched.json"), "--epochs", "2.5", "--steps-per-epoch", "40"]
    argv += ["--lr", "1e-3", "--set", "warmup=20", "--set", "num_cycles=0.25"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "100 steps (2.5 epoch(s) of 40), base lr 0.001" in text
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in text.splitlines()[-7:]}
    # cosine with num_cycles 0.25 ends at 0.5 * (1 + cos(pi / 2)) = 0.5 of the base LR
    assert rows["end"] == ["100", "0.0005"]
    assert rows["end of warmup"] == ["20", "0.001"]
    assert rows["start"] == ["0", "0"]


def test_apply_override_paths_and_values() -> None:
    data: dict = {"phases": [{"duration": {"kind": "fraction", "value": 0.5}}], "lr": 1}
    cli.apply_override(data, "phases.0.duration.value=0.2")
    cli.apply_override(data, "phases.-1.schedule.name=cosine")
    cli.apply_override(data, "lr=1e-4")
    cli.apply_override(data, "warmup=null")
    cli.apply_override(data, "a.b.c=x=y")
    assert data == {
        "phases": [
            {"duration": {"kind": "fraction", "value": 0.2}, "schedule": {"name": "cosine"}}
        ],
        "lr": 1e-4,
        "warmup": None,
        "a": {"b": {"c": "x=y"}},
    }
    assert isinstance(data["lr"], float)


@pytest.mark.parametrize(
    ("assignment", "error", "match"),
    [
        ("lr", cli.UsageError, r"--set expects key.path=value, got 'lr'"),
        ("a..b=1", cli.UsageError, "--set expects key.path=value"),
        (
            "phases.3.x=1",
            cli.CLIError,
            r"index 3 is out of range at 'phases.3' \(the list has 1 items\)",
        ),
        ("phases.first=1", cli.CLIError, "'phases.first' indexes a list: use a number"),
        ("lr.value=1", cli.CLIError, "--set lr.value: lr holds 0.1, not a mapping or a list"),
    ],
)
def test_apply_override_errors(assignment: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        cli.apply_override({"phases": [{}], "lr": 0.1}, assignment)


def test_classify() -> None:
    assert cli.classify({"optimizer": {"name": "sgd"}}) == "optimization"
    assert cli.classify({"name": "CosineAnnealingLR"}) == "scheduler"
    assert cli.classify({"name": "AdamW"}) == "optimizer"
    with pytest.raises(cli.CLIError, match=r"unknown name 'cosin'.*did you mean 'cosine'\?"):
        cli.classify({"name": "cosin"})
    with pytest.raises(cli.CLIError, match="cannot tell what this config is"):
        cli.classify({"lr": 1})
    with pytest.raises(cli.CLIError, match=r"expected a mapping .*got list"):
        cli.classify([1])
    with pytest.raises(cli.CLIError, match="got an empty file"):
        cli.classify(None)


def test_in_process_errors_go_to_stderr(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(files / "missing.yaml")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["preview", str(files / "missing.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert (
        cli.main(["validate", str(files / "sched.json"), "--set", "warmup={kind: fraction}"]) == 1
    )
    err = capsys.readouterr().err
    assert "sched.json (CosineSchedulerConfig)\n  warmup.value: Field required" in err
    assert cli.main(["preview", "constant", "--set", "name=adamw"]) == 1
    assert "holds an optimizer config" in capsys.readouterr().err


def test_csv_format_exact() -> None:
    import io

    import numpy as np

    out = io.StringIO()
    chunks = [
        (np.array([0, 1]), np.array([[1e-4, 0.5], [2.5e-05, 1.0]])),
        (np.array([2]), np.array([[0.1 + 0.2, 1 / 3]])),
    ]
    write_csv(out, ["encoder", "actor"], chunks)
    assert out.getvalue() == (
        "step,encoder,actor\n0,0.0001,0.5\n1,2.5e-05,1.0\n"
        "2,0.30000000000000004,0.3333333333333333\n"
    )


def test_per_group_preview_columns_and_key_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "d.csv"
    assert cli.main(["preview", "differential", "--total-steps", "600", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    rows = out.read_text().splitlines()
    assert rows[0] == "step,encoder,actor,critic"
    assert rows[1] == "0,8e-05,0.00012,0.00015"
    assert len(rows) == 602
    assert "critic: interval 0 end, critic: interval 1 start   100" in text
    assert "min (actor)" in text and "max (critic)" in text


def test_key_points_of_step_decay() -> None:
    import numpy as np

    config = S.presets.load("gentle_decay")
    length = S.TrainingLength(steps_per_epoch=300, total_steps=300)
    lrs = S.preview(config, length, [1.0])
    labels = boundary_labels(config, length, ["lr"])
    assert labels == {
        100: ["interval 0 end", "interval 1 start"],
        200: ["interval 1 end", "interval 2 start"],
    }
    argmin, argmax = [int(np.argmin(lrs[:, 0]))], [int(np.argmax(lrs[:, 0]))]
    points = key_points(labels, 300, ["lr"], argmin, argmax)
    assert points == [
        ("start", 0),
        ("max", 0),
        ("interval 0 end, interval 1 start", 100),
        ("interval 1 end, interval 2 start", 200),
        ("min", 200),
        ("end", 300),
    ]


def test_preview_of_an_optimization_config_shows_absolute_lrs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "o.yaml").write_text(
        textwrap.dedent(
            """\
            optimizer: {name: adamw, lr: 1e-3}
            scheduler: {name: linear, warmup: {kind: steps, value: 10}}
            param_groups:
              - {name: head, params: ["head.*"], lr_scale: 10}
              - {name: enc, params: ["enc.*"], lr: 5e-4, scheduler: null}
            """
        )
    )
    out = tmp_path / "o.csv"
    argv = ["preview", str(tmp_path / "o.yaml"), "--total-steps", "100", "--out", str(out)]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "(OptimizationConfig), 100 steps (1 epoch(s) of 100), optimizer lr 0.001" in (
        captured.out
    )
    assert "warning: param group(s) ['enc'] set their own scheduler" in captured.err
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert rows[0] == ["step", "head", "enc", "default"]
    # linear: t / 10 during the warmup, then (100 - t) / 90; head x10; enc constant at its lr
    for t in (0, 5, 10, 55, 100):
        m = t / 10 if t < 10 else (100 - t) / 90
        head, enc, default = (float(v) for v in rows[t + 1][1:])
        assert head == pytest.approx(1e-2 * m, rel=1e-12, abs=1e-18)
        assert default == pytest.approx(1e-3 * m, rel=1e-12, abs=1e-18)
        assert enc == 5e-4
    # --lr replaces the optimizer's lr only: a group with its own lr keeps it
    assert cli.main([*argv, "--lr", "2e-3"]) == 0
    assert "optimizer lr 0.002" in capsys.readouterr().out
    row = [float(v) for v in out.read_text().splitlines()[11].split(",")]
    assert row == [10, pytest.approx(2e-2), 5e-4, pytest.approx(2e-3)]


def test_preview_reads_a_path_that_is_no_regular_file(tmp_path: Path) -> None:
    result = run_cli(
        "preview", "/dev/stdin", "--total-steps", "10", input="name: constant\n", timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("file /dev/stdin: constant (ConstantSchedulerConfig)")
