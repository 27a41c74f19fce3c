"""Presets: the shipped YAML files, the loader, user directories, and each preset's curve."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pydantic
import pytest

import nshsched as S
from nshsched import presets
from nshsched.duration import round_steps
from nshsched.loading.yaml_files import ConfigFileError, load_text, parse_scalar

REQUIRED = [
    "aggressive_decay",
    "constant",
    "differential",
    "exponential_smooth",
    "gentle_decay",
    "stage_based",
    "warmup_cosine",
]
LENGTHS = [100, 1000, 7919]


def _length(total: int) -> S.TrainingLength:
    return S.TrainingLength(steps_per_epoch=total, total_steps=total)


# ---------------------------------------------------------------------- the loader


def test_shipped_presets_are_listed_and_inside_the_package() -> None:
    assert set(REQUIRED) <= set(presets.names())
    package_dir = Path(S.__file__).parent / "presets"
    for name in REQUIRED:
        assert presets.path(name) == package_dir / f"{name}.yaml"
        assert presets.description(name), f"{name} has no comment header"


@pytest.mark.parametrize("name", REQUIRED)
def test_every_preset_loads_as_a_registered_scheduler(name: str) -> None:
    config = presets.load(name)
    assert isinstance(config, S.LRSchedulerConfigBase)
    assert S.lr_scheduler_registry.get(config.name) is type(config)


def test_preset_kinds() -> None:
    assert presets.load("constant").name == "constant"
    assert presets.load("gentle_decay").name == "step_decay"
    assert presets.load("exponential_smooth").name == "exponential_decay"
    assert presets.load("warmup_cosine").name == "cosine"
    differential = presets.load("differential")
    assert isinstance(differential, S.PerGroupSchedulerConfig)
    assert list(differential.groups) == ["encoder", "actor", "critic"]
    kinds = {g: c.name for g, c in differential.groups.items() if c is not None}
    assert kinds == {
        "encoder": "step_decay",
        "actor": "exponential_decay",
        "critic": "step_decay",
    }


def test_every_preset_counts_only_in_fractions() -> None:
    """Presets fit any length: every duration in them is a fraction, no raw step count."""

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            if "kind" in node:
                assert node["kind"] == "fraction", path
            for k, v in node.items():
                if k in ("start", "end", "warmup", "decay_interval", "duration", "total"):
                    assert isinstance(v, dict), f"{path}.{k} is not a fraction: {v!r}"
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}")

    for name in REQUIRED:
        walk(presets.load_data(name), name)


def test_unknown_preset_lists_presets_and_suggests() -> None:
    with pytest.raises(presets.PresetNotFoundError, match=r"did you mean 'gentle_decay'\?") as e:
        presets.path("gentle_decy")
    assert "warmup_cosine" in str(e.value)
    with pytest.raises(presets.PresetNotFoundError, match="unknown preset 'zzzz'; presets: "):
        presets.load("zzzz")


def test_user_directory_overrides_and_adds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(presets.ENV_VAR, raising=False)
    (tmp_path / "constant.yaml").write_text("# mine\nname: cosine\n")
    (tmp_path / "my_preset.yml").write_text("# My own.\nname: linear\nwarmup: 10\n")
    (tmp_path / "notes.txt").write_text("not a preset")
    assert presets.load("constant").name == "constant"  # shipped
    assert presets.load("constant", dirs=tmp_path).name == "cosine"
    assert presets.load("my_preset", dirs=[tmp_path]).name == "linear"
    assert presets.description("my_preset", dirs=str(tmp_path)) == "My own."
    assert "my_preset" in presets.names(dirs=tmp_path)
    assert "notes" not in presets.names(dirs=tmp_path)
    assert "my_preset" not in presets.names()


def test_env_var_directories_and_priority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (a, b, c):
        d.mkdir()
    (a / "p.yaml").write_text("name: linear\n")
    (b / "p.yaml").write_text("name: cosine\n")
    (b / "q.yaml").write_text("name: constant\n")
    (c / "p.yaml").write_text("name: inverse_sqrt\n")
    monkeypatch.setenv(presets.ENV_VAR, os.pathsep.join([str(a), str(b), ""]))
    assert presets.directories()[:2] == [a, b]
    assert presets.load("p").name == "linear"  # the first env directory wins
    assert presets.load("q").name == "constant"
    assert presets.load("p", dirs=c).name == "inverse_sqrt"  # the argument beats the env var
    assert {"p", "q", *REQUIRED} <= set(presets.names())


def test_invalid_user_preset_is_a_validation_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: cosine\nwarmup: {kind: fraction, value: 2}\n")
    with pytest.raises(pydantic.ValidationError, match="less than or equal to 1"):
        presets.load("bad", dirs=tmp_path)
    (tmp_path / "odd.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(pydantic.ValidationError, match="expected a mapping"):
        presets.load("odd", dirs=tmp_path)


def test_python_tag_in_a_preset_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    (tmp_path / "evil.yaml").write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(
        ConfigFileError, match=r"tag '!!python/object/apply:os.system' is not allowed"
    ):
        presets.load("evil", dirs=tmp_path)
    assert not marker.exists()


# ---------------------------------------------------------------------- safe YAML


def test_yaml_floats_in_exponent_notation() -> None:
    data = load_text("a: 1e-4\nb: 1.0e-4\nc: 3E5\nd: -2e+3\ne: 10\nf: 1e\ng: e5\nh: 1.5\n")
    assert data == {
        "a": 1e-4,
        "b": 1e-4,
        "c": 3e5,
        "d": -2e3,
        "e": 10,
        "f": "1e",
        "g": "e5",
        "h": 1.5,
    }
    assert isinstance(data["c"], float) and isinstance(data["e"], int)
    assert parse_scalar("2e-4") == 2e-4 and parse_scalar("null") is None
    assert parse_scalar("") == ""


def test_yaml_errors_are_clear() -> None:
    with pytest.raises(
        ConfigFileError,
        match=r"x.yaml, line 2, column 1: not valid YAML/JSON: while parsing a flow",
    ):
        load_text("name: [unclosed\n", "x.yaml")
    with pytest.raises(ConfigFileError, match=r"tag '!custom' is not allowed"):
        load_text("a: !custom 3\n")


# ---------------------------------------------------------------------- the curves


def _step_decay_expected(intervals: list[dict], total: int, t: int) -> float:
    """What a step_decay YAML says: interval ``[round(start*T), round(end*T))`` has ``lr``;
    after the last interval the last LR stays."""
    for iv in intervals:
        lo = round_steps(iv["start"]["value"] * total)
        hi = round_steps(iv["end"]["value"] * total)
        if lo <= t < hi:
            return float(iv["lr"])
    return float(intervals[-1]["lr"])


def _exp_decay_expected(iv: dict, total: int, t: int) -> float:
    """``init_lr * decay_rate ** floor((t - start) / every)`` on ``[start, end)``; after the
    end the value at ``end - 1`` stays."""
    start = round_steps(iv["start"]["value"] * total)
    end = round_steps(iv["end"]["value"] * total)
    every = round_steps(iv["decay_interval"]["value"] * total)
    return iv["init_lr"] * iv["decay_rate"] ** ((min(t, end - 1) - start) // every)


def _probe_steps(total: int, data: object) -> list[int]:
    steps = {0, 1, total // 10, total // 2, (9 * total) // 10, total - 1, total}
    if isinstance(data, dict) and "intervals" in data:
        for iv in data["intervals"]:
            for key in ("start", "end"):
                b = round_steps(iv[key]["value"] * total)
                steps |= {b - 1, b, b + 1}
    return sorted(s for s in steps if 0 <= s <= total)


@pytest.mark.parametrize("total", LENGTHS)
@pytest.mark.parametrize("name", REQUIRED)
def test_every_preset_matches_its_yaml(name: str, total: int) -> None:
    data = presets.load_data(name)
    config = presets.load(name)
    length = _length(total)
    if name == "differential":
        lrs = S.preview(config, length, {"encoder": 1.0, "actor": 1.0, "critic": 1.0})
        assert lrs.shape == (total + 1, 3)
        groups = data["groups"]
        for t in _probe_steps(total, None):
            assert lrs[t, 0] == pytest.approx(
                _step_decay_expected(groups["encoder"]["intervals"], total, t)
            )
            assert lrs[t, 1] == pytest.approx(
                _exp_decay_expected(groups["actor"]["intervals"][0], total, t)
            )
            assert lrs[t, 2] == pytest.approx(
                _step_decay_expected(groups["critic"]["intervals"], total, t)
            )
        return
    lrs = S.preview(config, length, [1.0])
    assert lrs.shape == (total + 1, 1)
    assert np.isfinite(lrs).all() and (lrs >= 0).all()
    col = lrs[:, 0]
    for t in _probe_steps(total, data):
        if name == "constant":
            expected = 1.0
        elif data["name"] == "step_decay":
            expected = _step_decay_expected(data["intervals"], total, t)
        elif name == "exponential_smooth":
            expected = _exp_decay_expected(data["intervals"][0], total, t)
        else:  # warmup_cosine: HF cosine with a fractional warmup
            w = round_steps(data["warmup"]["value"] * total)
            cosine = 0.5 * (1 + math.cos(math.pi * (t - w) / (total - w)))
            expected = t / w if t < w else cosine
        assert col[t] == pytest.approx(expected, rel=1e-9, abs=1e-15), (name, t)


def test_expected_value_tables_at_1000_steps() -> None:
    length = _length(1000)

    def at(name: str, steps: list[int]) -> list[float]:
        lrs = S.preview(presets.load(name), length, [1.0])[:, 0]
        return [float(lrs[s]) for s in steps]

    assert at("gentle_decay", [0, 332, 333, 666, 667, 1000]) == pytest.approx(
        [1e-4, 1e-4, 5e-5, 5e-5, 2.5e-5, 2.5e-5]
    )
    assert at("aggressive_decay", [0, 124, 125, 249, 250, 499, 500, 1000]) == pytest.approx(
        [2e-4, 2e-4, 1e-4, 1e-4, 5e-5, 5e-5, 1e-5, 1e-5]
    )
    assert at("stage_based", [0, 249, 250, 500, 750, 1000]) == pytest.approx(
        [2e-4, 2e-4, 1e-4, 5e-5, 2e-5, 2e-5]
    )
    # 1e-4 * 0.977 ** floor(t / 10), holding the value at 999 at the end
    assert at("exponential_smooth", [0, 9, 10, 505, 999, 1000]) == pytest.approx(
        [1e-4, 1e-4, 0.977e-4, 1e-4 * 0.977**50, 1e-4 * 0.977**99, 1e-4 * 0.977**99]
    )
    # warmup 50 steps, then cosine over 950
    assert at("warmup_cosine", [0, 25, 50, 525, 1000]) == pytest.approx(
        [0.0, 0.5, 1.0, 0.5, 0.0], abs=1e-12
    )
    assert at("constant", [0, 500, 1000]) == [1.0, 1.0, 1.0]


def test_relative_presets_scale_with_the_base_lr() -> None:
    length = _length(1000)
    lrs = S.preview(presets.load("warmup_cosine"), length, [3e-4, 1e-3])
    assert lrs[50].tolist() == pytest.approx([3e-4, 1e-3])
