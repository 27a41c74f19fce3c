"""The catalogue of careless inputs (``tests/_error_catalogue.py``), each through every way a
config is read — Python, a YAML file read by the library, ``nshsched validate`` and a Hydra
``@hydra.main`` application — with the same message in each: the path of the problem, what
is wrong, the value given and the fix.

The command line and the Hydra application each run once for the whole catalogue (one
``nshsched validate`` over every file; one Hydra multirun over every case), so the
catalogue costs a few subprocesses, not one per case.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

import _error_catalogue as C
import nshsched as S
from nshsched.config.errors import ConfigValidationError

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
INTERNAL_TITLE = re.compile(r"function-(plain|wrap|after|before)\[|tagged-union\[|union\[")


def test_the_catalogue_is_large_and_its_cases_distinct() -> None:
    assert len(C.CASES) >= 40
    assert len(C.BY_ID) == len(C.CASES)
    for case in C.CASES:
        assert case.says, case.id
        assert set(case.channels) <= set(C.ALL), case.id
        assert case.channels == C.ALL or case.note, f"{case.id}: say why a channel is left out"


def env() -> dict[str, str]:
    """The environment of a subprocess: this checkout's nshsched, and the tests' helpers."""
    path = os.pathsep.join([str(ROOT / "src"), str(TESTS)])
    return {**os.environ, "PYTHONPATH": path, "NSHSCHED_IMPORT": ""}


_REGISTERED = re.compile(r"registered: .*?(?= \(did you mean|; your own class)")


def same(line: str) -> str:
    """A problem's line as compared between channels: the list of registered tags left
    out (the suite's own test classes are registered in this process, not in a fresh
    one; every channel's line is checked to list them)."""
    assert "registered: " not in line or _REGISTERED.search(line), line
    return _REGISTERED.sub("registered: ...", line)


def outcome_text(case: C.Case, outcome: C.Outcome) -> str:
    return "\n".join(outcome.warnings) if case.warning else outcome.message


# ---------------------------------------------------------------------- Python


@pytest.fixture(scope="module")
def python_lines() -> dict[str, str]:
    """Each case's problem line, as Python reports it (what the other channels must say)."""
    lines = {}
    for case in C.CASES:
        outcome = C.run(case)
        lines[case.id] = C.problem_line(outcome_text(case, outcome), case.path)
    return lines


@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_python(case: C.Case, python_lines: dict[str, str]) -> None:
    outcome = C.run(case)
    line = python_lines[case.id]
    for fragment in case.says:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert len(line) < 1300, "a problem is one bounded line"
    if case.warning:
        assert outcome.error is None and len(outcome.warnings) == 1, outcome.warnings
        return
    error = outcome.error
    assert error is not None
    if case.length is not None:  # found when the schedule is built for the training
        assert type(error) is ValueError
        assert str(error) == line
        return
    assert isinstance(error, ConfigValidationError)
    assert isinstance(error, pydantic.ValidationError)  # what pydantic users catch
    message = str(error)
    assert not INTERNAL_TITLE.search(message), message
    assert "For further information" not in message
    title = message.splitlines()[0]
    assert re.fullmatch(r"\d+ validation errors? for \w+Config", title), title
    # error.errors() stays structured: a clean location, a type, a message, the input
    for detail in error.errors():
        assert not any(isinstance(p, str) and INTERNAL_TITLE.search(p) for p in detail["loc"])
        assert {"type", "loc", "msg", "input"} <= set(detail)
    if case.path:
        locs = [".".join(map(str, d["loc"])) for d in error.errors()]
        assert case.path in locs or "..." in case.path  # a huge key is shown cut


@pytest.mark.parametrize(
    "case", [c for c in C.CASES if c.length is None and not c.warning], ids=lambda c: c.id
)
def test_python_constructor_and_assignment(case: C.Case, python_lines: dict[str, str]) -> None:
    """The same line from a constructor (and, for a top-level field, an assignment)."""
    data = case.data
    if case.kind == "optimization":
        cls: Any = S.OptimizationConfig
    else:
        registry = S.lr_scheduler_registry if case.kind == "scheduler" else S.optimizer_registry
        tag = data.get("name")
        if not (isinstance(tag, str) and tag in registry):
            pytest.skip("an unknown tag: there is no class to construct")
        cls = registry.get(tag)
        data = {k: v for k, v in data.items() if k != "name"}
    with pytest.raises(ConfigValidationError) as info:
        cls(**data)
    assert same(C.problem_line(str(info.value), case.path)) == same(python_lines[case.id])
    assert str(info.value).startswith(f"{info.value.error_count()} validation error")
    top = case.path.split(".")[0]
    if top and top in cls.model_fields and top in data and len(top) < 60:
        # Assigning the bad value to a valid config says the same (its own path).
        valid = _a_valid(cls)
        if valid is not None:
            for key, value in data.items():  # the other fields first (a rule between two)
                if key != top and key in cls.model_fields:
                    with contextlib.suppress(ConfigValidationError):  # another problem
                        setattr(valid, key, value)
            with pytest.raises(ConfigValidationError) as assigned:
                setattr(valid, top, data[top])
            rest = case.path[len(top) :]
            line = C.problem_line(str(assigned.value), top + rest)
            assert line.split(": ", 1)[1] == python_lines[case.id].split(": ", 1)[1]


def _a_valid(cls: Any) -> Any:
    for data in ({}, {"lr": 0.1}, {"optimizer": C.ADAMW}):
        try:
            return cls(**data)
        except pydantic.ValidationError:
            continue
    return None


def test_registry_construct_and_type_adapter_title_with_the_class() -> None:
    data = {"name": "cosine", "warmup": 0.1}
    for run in (
        S.lr_scheduler_registry.construct,
        pydantic.TypeAdapter(S.LRSchedulerConfig).validate_python,
    ):
        with pytest.raises(ConfigValidationError, match=r"^1 validation error for Cosine") as e:
            run(data)
        assert "warmup: expected a whole number" in str(e.value)
    for run in (
        S.lr_scheduler_registry.construct,
        pydantic.TypeAdapter(S.LRSchedulerConfig).validate_python,
    ):
        with pytest.raises(ConfigValidationError, match=r"for LRSchedulerConfig\n") as e:
            run({"name": "cosin"})
        assert not INTERNAL_TITLE.search(str(e.value))
    with pytest.raises(ConfigValidationError, match=r"for OptimizerConfig\n  lr: Field"):
        pydantic.TypeAdapter(S.OptimizerConfig).validate_json('{"name": "adamw"}')


def test_a_config_in_a_users_own_model_reports_the_same_line() -> None:
    """Nested in any pydantic model, the problem's location and message are the same
    (pydantic's own layout around them: the model is the user's)."""

    class Experiment(pydantic.BaseModel):
        optim: S.OptimizationConfig
        extra: list[S.LRSchedulerConfig] = []

    with pytest.raises(pydantic.ValidationError) as info:
        Experiment.model_validate(
            {"optim": C.opt(scheduler={"name": "cosine", "warmup": 0.1}), "extra": [{"name": "x"}]}
        )
    details = info.value.errors()
    assert [d["loc"] for d in details] == [("optim", "scheduler", "warmup"), ("extra", 0)]
    assert "warmup_ratio: 0.1" in details[0]["msg"]
    assert details[0]["type"] == "duration_type"
    assert not INTERNAL_TITLE.search(str(info.value))


# ---------------------------------------------------------------------- YAML files


def write_case(directory: Path, case: C.Case) -> Path:
    file = directory / f"{case.id}.yaml"
    file.write_text(yaml.safe_dump(case.data, width=10**9))
    return file


def read_file(case: C.Case, file: Path) -> Any:
    if case.kind == "optimization":
        return S.OptimizationConfig.from_file(file)
    registry = S.lr_scheduler_registry if case.kind == "scheduler" else S.optimizer_registry
    return registry.from_file(file)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("catalogue")
    return {
        case.id: write_case(directory, case)
        for case in C.CASES
        if C.YAML_FILE in case.channels or C.CLI in case.channels
    }


@pytest.mark.parametrize(
    "case", [c for c in C.CASES if C.YAML_FILE in c.channels], ids=lambda c: c.id
)
def test_yaml_file(case: C.Case, files: dict[str, Path], python_lines: dict[str, str]) -> None:
    file = files[case.id]
    outcome = C.run(case, file, validator=lambda kind, path: read_file(case, path))
    text = outcome_text(case, outcome)
    assert same(C.problem_line(text, case.path)) == same(python_lines[case.id])
    if not case.warning and case.length is None:
        assert isinstance(outcome.error, ConfigValidationError)
        assert text.splitlines()[0].endswith(f"for {file} ({_class_of(case)})")


def _class_of(case: C.Case) -> str:
    if case.kind == "optimization":
        return "OptimizationConfig"
    registry = S.lr_scheduler_registry if case.kind == "scheduler" else S.optimizer_registry
    return registry.title_for(case.data)


# ---------------------------------------------------------------------- nshsched validate


_ERROR = "nshsched validate: error: "
_WARNING = "nshsched validate: warning: "


def split_reports(stderr: str) -> tuple[list[str], list[str]]:
    """The error reports (each with its continuation lines) and the warnings."""
    errors: list[str] = []
    warns: list[str] = []
    for line in stderr.splitlines():
        if line.startswith(_ERROR):
            errors.append(line[len(_ERROR) :])
        elif line.startswith(_WARNING):
            warns.append(line[len(_WARNING) :])
        elif errors:
            errors[-1] += "\n" + line
    return errors, warns


@pytest.fixture(scope="module")
def cli_reports(files: dict[str, Path]) -> dict[str, Any]:
    """``nshsched validate`` over every catalogue file: once for those validated alone, once
    per training length for those built for one."""
    groups: dict[tuple[int, int] | None, list[C.Case]] = {}
    for case in C.CASES:
        if C.CLI in case.channels:
            groups.setdefault(case.length, []).append(case)
    reports: dict[str, Any] = {}
    for length, cases in groups.items():
        argv = [str(files[c.id]) for c in cases]
        if length is not None:
            argv += ["--total-steps", str(length[0]), "--steps-per-epoch", str(length[1])]
        code = "import sys; from nshsched.cli import main; rc = main(sys.argv[1:]); "
        code += "print('torch' in sys.modules); sys.exit(rc)"
        result = subprocess.run(
            [sys.executable, "-c", code, "validate", *argv],
            capture_output=True,
            text=True,
            timeout=300,
            env=env(),
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        errors, warns = split_reports(result.stderr)
        reports[str(length)] = {
            "result": result,
            "errors": errors,
            "warnings": warns,
            "torch": result.stdout.strip().splitlines()[-1],
        }
    return reports


@pytest.mark.parametrize("case", [c for c in C.CASES if C.CLI in c.channels], ids=lambda c: c.id)
def test_nshsched_validate(
    case: C.Case,
    files: dict[str, Path],
    cli_reports: dict[str, Any],
    python_lines: dict[str, str],
) -> None:
    run = cli_reports[str(case.length)]
    expected = python_lines[case.id]
    if case.warning:
        assert expected in run["warnings"], run["warnings"]
        assert f"{files[case.id]}: valid" in run["result"].stdout
        return
    assert run["result"].returncode == 1
    file = str(files[case.id])
    mine = [report for report in run["errors"] if file in report.splitlines()[0]]
    assert len(mine) == 1, run["errors"]
    report = mine[0]
    if case.length is not None:
        prefix = f"{file}: valid, but cannot run for {case.length[0]} optimizer steps "
        assert report.startswith(prefix)
        assert report.endswith(": " + expected)
    else:
        assert report.splitlines()[0].endswith(f"for {file} ({_class_of(case)})")
        assert same(C.problem_line(report, case.path)) == same(expected)


def test_nshsched_validate_checks_a_training_length_without_torch(
    cli_reports: dict[str, Any],
) -> None:
    lengths = [key for key in cli_reports if key != "None"]
    assert lengths
    for key in lengths:
        assert cli_reports[key]["torch"] == "False", key


# ---------------------------------------------------------------------- Hydra


_HYDRA_APP = textwrap.dedent(
    """\
    import json

    import hydra
    from omegaconf import OmegaConf

    import _error_catalogue as C


    @hydra.main(version_base=None, config_path="conf", config_name="app")
    def main(cfg):
        case = C.BY_ID[cfg.case.id]
        outcome = C.run(case, cfg.case.data)  # a DictConfig, as Hydra composed it
        text = "\\n".join(outcome.warnings) if case.warning else outcome.message
        print("CASE " + json.dumps({"id": case.id, "text": text}))


    if __name__ == "__main__":
        main()
    """
)


@pytest.fixture(scope="module")
def hydra_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One Hydra multirun of the application over every case (each a config-group option)."""
    pytest.importorskip("hydra")
    app = tmp_path_factory.mktemp("hydra_app")
    (app / "conf" / "case").mkdir(parents=True)
    (app / "conf" / "app.yaml").write_text("{}\n")
    ids = []
    for case in C.CASES:
        if C.HYDRA not in case.channels:
            continue
        ids.append(case.id)
        node = {"id": case.id, "data": case.data}
        (app / "conf" / "case" / f"{case.id}.yaml").write_text(yaml.safe_dump(node, width=10**9))
    (app / "app.py").write_text(_HYDRA_APP)
    result = subprocess.run(
        [
            sys.executable,
            "app.py",
            "--multirun",
            "+case=" + ",".join(ids),
            "hydra.sweep.dir=sweep",
            "hydra/job_logging=none",
            "hydra/hydra_logging=none",
        ],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=600,
        env=env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = {}
    for line in result.stdout.splitlines():
        if line.startswith("CASE "):
            item = json.loads(line[len("CASE ") :])
            outputs[item["id"]] = item["text"]
    assert sorted(outputs) == sorted(ids)
    return outputs


@pytest.mark.parametrize("case", [c for c in C.CASES if C.HYDRA in c.channels], ids=lambda c: c.id)
def test_hydra_main(
    case: C.Case, hydra_outputs: dict[str, str], python_lines: dict[str, str]
) -> None:
    line = C.problem_line(hydra_outputs[case.id], case.path)
    assert same(line) == same(python_lines[case.id])


def test_a_hydra_apps_uncaught_error_shows_the_clean_message(tmp_path: Path) -> None:
    """What a Hydra user sees when the error leaves ``@hydra.main``: the class's title and
    the problem's line, never pydantic's internal ``function-plain[...]``."""
    pytest.importorskip("hydra")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "train.yaml").write_text(
        "lr_schedule: {name: cosine, warmup: 0.1}\ntotal_steps: 1000\n"
    )
    (tmp_path / "train.py").write_text(
        textwrap.dedent(
            """\
            import hydra

            import nshsched as S


            @hydra.main(version_base=None, config_path="conf", config_name="train")
            def main(cfg):
                S.lr_scheduler_registry.construct(cfg.lr_schedule)


            if __name__ == "__main__":
                main()
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "train.py", "hydra.run.dir=.", "hydra.output_subdir=null"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
        check=False,
    )
    assert result.returncode == 1
    assert "1 validation error for CosineSchedulerConfig\n  warmup: expected a whole number" in (
        result.stderr
    )
    assert "or warmup_ratio: 0.1" in result.stderr
    assert not INTERNAL_TITLE.search(result.stderr), result.stderr


# ---------------------------------------------------------------------- the docs page


PAGE = ROOT / "docs" / "errors.md"
_MARKED = re.compile(
    r"^(?P<indent>[ ]*)<!-- message: (?P<channel>python|cli) (?P<id>\w+) -->\n"
    r"(?P=indent)```text\n(?P<body>.*?)^(?P=indent)```$",
    re.S | re.M,
)


_PAGE_SCRIPT = textwrap.dedent(
    """\
    import contextlib, io, json, os, sys, warnings
    from pathlib import Path

    import yaml

    import _error_catalogue as C
    from nshsched.cli import main

    out = {}
    for channel, case_id in json.loads(sys.argv[1]):
        case = C.BY_ID[case_id]
        if channel == "python":
            outcome = C.run(case)
            text = "\\n".join(outcome.warnings) if case.warning else outcome.message
        else:
            Path("config.yaml").write_text(yaml.safe_dump(case.data, width=10**9))
            argv = ["validate", "config.yaml"]
            if case.length is not None:
                argv += ["--total-steps", str(case.length[0])]
                argv += ["--steps-per-epoch", str(case.length[1])]
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                main(argv)
            text = "$ nshsched " + " ".join(argv) + "\\n" + err.getvalue().rstrip("\\n")
        out[channel + " " + case_id] = text
    print(json.dumps(out))
    """
)


def real_messages(wanted: list[tuple[str, str]], directory: Path) -> dict[str, str]:
    """What nshsched prints for each ``(channel, case)``, in a fresh interpreter (no class
    registered by other tests): Python's message (or warning), or the transcript of
    ``nshsched validate config.yaml``."""
    result = subprocess.run(
        [sys.executable, "-c", _PAGE_SCRIPT, json.dumps(wanted)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=directory,
        env=env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_reading_errors_page_shows_real_messages(tmp_path: Path) -> None:
    """Every ```text block marked ``<!-- message: CHANNEL CASE -->`` in docs/errors.md is
    what nshsched prints for that catalogue case. ``NSHSCHED_REGENERATE_DOCS=1`` rewrites
    the blocks instead."""
    text = PAGE.read_text()
    found = list(_MARKED.finditer(text))
    assert len(found) >= 10
    messages = real_messages([(m.group("channel"), m.group("id")) for m in found], tmp_path)

    def block(m: re.Match[str]) -> str:
        indent = m.group("indent")
        message = messages[m.group("channel") + " " + m.group("id")]
        body = "".join(indent + line + "\n" for line in message.splitlines())
        return f"{indent}<!-- message: {m.group('channel')} {m.group('id')} -->\n{indent}```text\n{body}{indent}```"

    expected = _MARKED.sub(block, text)
    if os.environ.get("NSHSCHED_REGENERATE_DOCS"):
        PAGE.write_text(expected)
    assert text == expected, "docs/errors.md differs from what nshsched prints"
