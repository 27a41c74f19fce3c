"""The examples run (as scripts, in subprocesses, with small settings)."""

from __future__ import annotations

from pathlib import Path

from _helpers.processes import output_of, run_python

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(script: Path, *args: str, cwd: Path) -> str:
    return output_of(run_python(script, *args, cwd=cwd))


def test_plain_pytorch(tmp_path: Path) -> None:
    out = run(
        EXAMPLES / "plain_pytorch.py", "--epochs", "2", "--steps-per-epoch", "5", cwd=tmp_path
    )
    assert "10 steps, every LR equal to nshsched.preview" in out


def test_lightning_yaml(tmp_path: Path) -> None:
    out = run(
        EXAMPLES / "lightning_yaml" / "train.py",
        "--max-epochs", "1", "--samples", "80", "--batch-size", "8",
        cwd=tmp_path,
    )  # fmt: skip
    lines = {line.split()[0]: line for line in out.splitlines() if "steps=" in line}
    assert set(lines) == {"head", "head_no_decay", "default", "default_no_decay"}
    # 10 optimizer steps, 1 of warmup; the head's peak is 3x the default's (lr_scale: 3.0).
    assert "steps=  10 peak lr=9.00e-03" in lines["head"]
    assert "steps=  10 peak lr=3.00e-03" in lines["default"]


def test_dino_weight_decay(tmp_path: Path) -> None:
    out = run(EXAMPLES / "dino_weight_decay.py", "--epochs", "2", cwd=tmp_path)
    assert "default            weight decay 0.040 -> 0.400" in out
    assert "default_no_decay   weight decay 0.000 -> 0.000" in out
    assert "20 steps, LR and weight decay equal to nshsched.preview" in out


def test_vit_finetune(tmp_path: Path) -> None:
    out = run(EXAMPLES / "vit_finetune.py", "--depth", "3", cwd=tmp_path)
    rows = {line.split()[0]: line for line in out.splitlines() if "base lr" in line}
    # 1e-3 x 0.65 ** (3 - i) for layer i, 0.65 ** 4 for the embeddings, 10x for the head
    assert "base lr 2.746e-04" in rows["default.layer0"]
    assert "base lr 6.500e-04" in rows["default.layer2"]
    assert "base lr 1.785e-04" in rows["default.embeddings"]
    assert "base lr 1.000e-02" in rows["head"]
    assert "cls_token, patch_embed.bias, pos_embed" in rows["default_no_decay.embeddings"]
    assert "11 groups, 30 steps equal to preview" in out


def test_actor_critic(tmp_path: Path) -> None:
    out = run(EXAMPLES / "actor_critic.py", cwd=tmp_path)
    # actor: 1.2e-4 * 0.99 ** floor(t / 1) over 100 updates -> 1.2e-4 * 0.99 ** 99 at the last
    assert f"actor    100 updates, lr 1.20e-04 -> {1.2e-4 * 0.99**99:.2e}" in out
    assert "critic   200 updates, lr 1.50e-04 -> 5.00e-05" in out
    assert "encoder  200 updates, lr 8.00e-05 -> 8.00e-05" in out
