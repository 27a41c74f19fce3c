"""Configs in checkpoints: value equality, pickling as plain data, and real Lightning
checkpoints that save, resume and ``load_from_checkpoint`` in a fresh process under torch's
default ``weights_only=True``."""

from __future__ import annotations

import json
import math
import pickle
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import nshsched as S  # noqa: E402
from _helpers.processes import TESTS, output_of, run_code  # noqa: E402
from _helpers.resume import through_a_checkpoint  # noqa: E402
from nshsched.config.checkpoint import rebuild  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "scripts"))
import plot_schedules  # noqa: E402

OPTIMIZATION = {
    "optimizer": {"name": "adamw", "lr": 0.1, "weight_decay": 0.01, "betas": [0.8, 0.9]},
    "scheduler": {
        "name": "sequential",
        "phases": [
            {
                "schedule": {"name": "linear", "total": {"kind": "steps", "value": 4}},
                "duration": {"kind": "steps", "value": 4},
            },
            {"schedule": {"name": "constant"}},
        ],
    },
    "param_groups": [{"name": "head", "params": ["head.*"], "lr_scale": 2.0, "scheduler": None}],
    "no_weight_decay": True,
}


# ---------------------------------------------------------------------- equality


def test_equality_ignores_private_state() -> None:
    a = S.OptimizationConfig.model_validate(OPTIMIZATION)
    b = S.OptimizationConfig.model_validate(OPTIMIZATION)
    a._warned = True  # the warn-once flag of group_scheduler
    assert a.__pydantic_private__ != b.__pydantic_private__
    assert a == b


def test_equality_ignores_private_state_of_user_configs() -> None:
    from pydantic import PrivateAttr

    class Counter(S.Config):
        value: int = 0
        _calls: int = PrivateAttr(default=0)

    a, b = Counter(value=1), Counter(value=1)
    a._calls = 5
    assert a == b
    assert a != Counter(value=2)


@pytest.mark.parametrize(
    ("change", "equal"),
    [
        ({}, True),
        ({"no_weight_decay": False}, False),
        ({"optimizer": {"name": "adamw", "lr": 0.2}}, False),
        ({"optimizer": {"name": "adam", "lr": 0.1}}, False),
    ],
)
def test_equality_compares_field_values(change: dict[str, Any], equal: bool) -> None:
    base = S.OptimizationConfig.model_validate(OPTIMIZATION)
    other = S.OptimizationConfig.model_validate({**OPTIMIZATION, **change})
    assert (base == other) is equal
    assert (base != other) is not equal


def test_equality_needs_the_same_class() -> None:
    assert S.StepsConfig(value=1) != S.EpochsConfig(value=1)
    assert S.StepsConfig(value=1) != {"kind": "steps", "value": 1}
    # frozen configs keep a hash consistent with ==
    length = S.TrainingLength(steps_per_epoch=2, total_steps=4)
    assert hash(length) == hash(S.TrainingLength(steps_per_epoch=2, total_steps=4))


# ---------------------------------------------------------------------- pickling


@pytest.mark.parametrize("tag", plot_schedules.builtin_tags())
def test_every_builtin_schedule_survives_weights_only_load(tag: str) -> None:
    cfg = S.lr_scheduler_registry.construct(plot_schedules.example_for(tag))
    loaded = through_a_checkpoint({"hyper_parameters": {"scheduler": cfg}})
    again = loaded["hyper_parameters"]["scheduler"]
    assert type(again) is type(cfg)
    assert again == cfg
    assert again.model_dump() == cfg.model_dump()


@pytest.mark.parametrize("tag", S.optimizer_registry.tags())
def test_optimizers_survive_weights_only_load(tag: str) -> None:
    cfg = S.optimizer_registry.construct({"name": tag, "lr": 0.5})
    assert through_a_checkpoint([cfg])[0] == cfg


def test_optimization_config_pickles_as_rebuild_of_plain_data() -> None:
    cfg = S.OptimizationConfig.model_validate(OPTIMIZATION)
    func, (path, data) = cfg.__reduce__()
    assert func is rebuild
    assert path == "nshsched:OptimizationConfig"  # the public name: stable across moves
    assert data == cfg.model_dump()
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    # the pickle names no class: only the rebuild function
    assert b"OptimizationConfig" in pickle.dumps(cfg)  # as a string argument
    assert b"nshsched.config.checkpoint" in pickle.dumps(cfg)


class _Evil:
    def __init__(self, path: str, data: Any) -> None:
        self.path, self.data = path, data

    def __reduce__(self) -> Any:
        return rebuild, (self.path, self.data)


@pytest.mark.parametrize(
    ("path", "data", "match"),
    [
        ("os:system", {}, "not an nshsched config class"),
        ("builtins:dict", {}, "not an nshsched config class"),
        ("surely_not_imported_xyz:Config", {}, "module 'surely_not_imported_xyz' is not imported"),
        ("no_colon", {}, "not an nshsched config record"),
        ("nshsched.duration:StepsConfig", ["not", "a", "dict"], "not an nshsched config record"),
    ],
)
def test_rebuild_refuses_anything_but_imported_config_classes(
    path: str, data: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        through_a_checkpoint(_Evil(path, data))
    assert "surely_not_imported_xyz" not in sys.modules


def test_rebuild_validates_the_data() -> None:
    with pytest.raises(ValueError, match="value"):
        through_a_checkpoint(_Evil("nshsched.duration:StepsConfig", {"kind": "steps", "value": -1}))


def test_rebuild_imports_nshsched_modules_only() -> None:
    assert rebuild("nshsched.duration:StepsConfig", {"kind": "steps", "value": 2}) == S.StepsConfig(
        value=2
    )


# ---------------------------------------------------------------------- Lightning, fresh process

MODULE = """
{future}
{imports}
import torch
from _helpers.lightning import loader, tiny_trainer


class Net(L.LightningModule):
    def __init__(self, optimization: S.OptimizationConfig, scheduler: S.LRSchedulerConfig,
                 width: int = 3) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.body = torch.nn.Linear(2, width)
        self.head = torch.nn.Linear(width, 1)
        self.lrs = []

    def training_step(self, batch, batch_idx):
        return self.head(self.body(batch[0])).pow(2).mean()

    def configure_optimizers(self):
        return self.hparams.optimization.configure_optimizers(self)

    def optimizer_step(self, *args, **kwargs):
        self.lrs.append([g["lr"] for g in self.optimizers().optimizer.param_groups])
        super().optimizer_step(*args, **kwargs)

    def train_dataloader(self):
        return loader(torch.randn(4, 2), batch_size=1)


def trainer(root):
    every_2 = L.callbacks.ModelCheckpoint(dirpath=root, every_n_train_steps=2, save_top_k=-1,
                                          filename="{{step}}")
    return tiny_trainer(max_steps=6, enable_checkpointing=True, default_root_dir=root,
                        callbacks=[every_2])
"""

SAVE = """
import json, sys
import nshsched as S
from net_module import Net, trainer
opt = S.OptimizationConfig.model_validate(json.loads(sys.argv[1]))
sched = S.lr_scheduler_registry.construct({"name": "cosine", "warmup": 1})
model = Net(opt, sched)
trainer(sys.argv[2]).fit(model)
print(json.dumps(model.lrs))
"""

RESUME = """
import json, sys
import torch
from net_module import Net, trainer
import nshsched as S
ckpt = sys.argv[2] + "/step=2.ckpt"
# what Lightning does by default, and explicitly: torch's safe unpickler
raw = torch.load(ckpt, weights_only=True)
hp = raw["hyper_parameters"]
expected = S.OptimizationConfig.model_validate(json.loads(sys.argv[1]))
assert type(hp["optimization"]) is S.OptimizationConfig and hp["optimization"] == expected
loaded = Net.load_from_checkpoint(ckpt)
assert loaded.hparams.optimization == expected
assert loaded.hparams.scheduler == S.CosineSchedulerConfig(warmup=1)
assert loaded.hparams.width == 3
loaded2 = Net.load_from_checkpoint(ckpt, weights_only=True)
assert loaded2.hparams == loaded.hparams
model = Net(expected, S.CosineSchedulerConfig(warmup=1))
trainer(sys.argv[2] + "/resumed").fit(model, ckpt_path=ckpt)
print(json.dumps({"lrs": model.lrs, "step": model.global_step}))
"""


def _run(script: str, cwd: Path, *args: str) -> str:
    """The last line ``python -c SCRIPT ARGS`` prints in ``cwd`` (``_helpers`` importable)."""
    return output_of(run_code(script, *args, cwd=cwd, pythonpath=[TESTS])).strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("future", "imports"),
    [
        # nshsched first and string annotations: nothing of nshsched is loaded when the
        # module is defined; torch is imported after nshsched
        (
            "from __future__ import annotations",
            "import nshsched as S\nimport lightning.pytorch as L",
        ),
        # lightning (and torch) first, annotations evaluated
        ("", "import lightning.pytorch as L\nimport nshsched as S"),
    ],
    ids=["nshsched-first", "lightning-first"],
)
def test_lightning_checkpoint_saves_resumes_and_loads_in_a_fresh_process(
    tmp_path: Path, future: str, imports: str
) -> None:
    pytest.importorskip("lightning")
    (tmp_path / "net_module.py").write_text(MODULE.format(future=future, imports=imports))
    config = json.dumps(OPTIMIZATION)
    first = json.loads(_run(SAVE, tmp_path, config, str(tmp_path)))
    second = json.loads(_run(RESUME, tmp_path, config, str(tmp_path)))
    assert second["step"] == 6
    lrs = first
    assert len(lrs) == 6
    assert second["lrs"] == first[2:]  # resumed from step 2: the same learning rates
    # groups: head (lr_scale 2, constant), head_no_decay, default (0.1), default_no_decay;
    # default groups: a linear phase of 4 steps, then the constant phase (multiplier 1):
    # lr(t) = 0.1 * (4 - t) / 4 for t < 4, else 0.1
    for t, row in enumerate(lrs):
        head, head_nd, default, default_nd = row
        expected = 0.1 * (4 - t) / 4 if t < 4 else 0.1
        assert head == pytest.approx(0.2, abs=1e-12) and head_nd == pytest.approx(0.2, abs=1e-12)
        assert default == pytest.approx(expected, abs=1e-12), (t, row)
        assert default_nd == pytest.approx(expected, abs=1e-12)
    assert [row[2] for row in lrs] == pytest.approx([0.1, 0.075, 0.05, 0.025, 0.1, 0.1], abs=1e-12)
    assert not math.isnan(sum(map(sum, lrs)))


def test_fresh_process_without_nshsched_gets_torchs_allowlist_message(tmp_path: Path) -> None:
    cfg = S.OptimizationConfig.model_validate(OPTIMIZATION)
    path = tmp_path / "c.pt"
    torch.save({"optimization": cfg}, path)
    code = textwrap.dedent(
        f"""
        import torch, pickle
        try:
            torch.load({str(path)!r})
        except pickle.UnpicklingError as e:
            print("refused", "nshsched.config.checkpoint.rebuild" in str(e))
        """
    )
    result = run_code(code, timeout=120)
    assert result.stdout.strip() == "refused True", result.stderr[-2000:]


# ---------------------------------------------------------------------- the second release's checkpoints

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "second_release.ckpt"

LOAD_OLD = """
import json, sys
import torch
import nshsched as S
sys.path.insert(0, sys.argv[2])
from make_second_release_ckpt import OPTIMIZATION, OPTIMIZERS, SCHEDULER, Net

raw = torch.load(sys.argv[1], weights_only=True)  # torch's safe unpickler
hp = raw["hyper_parameters"]
expected = {
    "optimization": S.OptimizationConfig.model_validate(OPTIMIZATION),
    "optimizers": S.OptimizersConfig.model_validate(OPTIMIZERS),
    "scheduler": S.lr_scheduler_registry.construct(SCHEDULER),
    "length": S.TrainingLength(steps_per_epoch=4, total_steps=8),
    "layer_decay": S.LayerDecayConfig(rate=0.75),
    "hyper": S.HyperparameterScheduleConfig(schedule={"name": "constant"}),
}
assert hp == expected, hp
loaded = Net.load_from_checkpoint(sys.argv[1])
assert dict(loaded.hparams) == expected
from _helpers.lightning import LRRecorder, tiny_trainer
recorder = LRRecorder()
trainer = tiny_trainer(max_steps=6, callbacks=[recorder])
trainer.fit(Net(**expected), ckpt_path=sys.argv[1])
print(json.dumps({"step": trainer.global_step, "lrs": recorder.lrs}))
"""


def test_a_checkpoint_of_the_second_release_loads_and_resumes(tmp_path: Path) -> None:
    # Written by the second release (tests/fixtures/make_second_release_ckpt.py) after 3 of
    # 6 optimizer steps: its configs name the modules of that layout (nshsched.param_groups,
    # nshsched.several_optimizers, ...) and the function nshsched._checkpoint.rebuild.
    pytest.importorskip("lightning")
    assert b"nshsched.param_groups" in FIXTURE.read_bytes()
    assert b"nshsched._checkpoint" in FIXTURE.read_bytes()
    out = json.loads(_run(LOAD_OLD, tmp_path, str(FIXTURE), str(FIXTURE.parent)))
    assert out["step"] == 6
    # The resumed steps 3, 4, 5 get the LRs a fresh run of 6 steps gets there (within
    # 1e-12): head and head_no_decay constant at 0.1 x lr_scale 2; default and
    # default_no_decay on the cosine, past its warmup of 25% of 6 steps.
    fixture = _fixture_script()
    model = torch.nn.Module()
    model.body, model.head = torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)  # Net's parameters
    fresh = S.preview(
        S.OptimizationConfig.model_validate(fixture.OPTIMIZATION),
        S.TrainingLength(steps_per_epoch=4, total_steps=6),
        model=model,
    )
    assert len(out["lrs"]) == 3
    for row, t in zip(out["lrs"], (3, 4, 5)):
        assert row == pytest.approx(list(fresh[t]), abs=1e-12), (t, row)
        assert row[0] == row[1] == pytest.approx(0.2, abs=1e-12)


def _fixture_script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_second_release_ckpt", FIXTURE.parent / "make_second_release_ckpt.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_pickle_of_the_second_release_checkpoint_loads() -> None:
    # weights_only=False (plain pickle) resolves nshsched._checkpoint.rebuild by import
    raw = torch.load(FIXTURE, weights_only=False)
    assert type(raw["hyper_parameters"]["optimization"]) is S.OptimizationConfig
