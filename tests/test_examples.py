"""The examples run (as scripts, in subprocesses, with small settings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(script: Path, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


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
