"""``import nshsched`` must not import torch or lightning (configs are plain data)."""

from __future__ import annotations

import subprocess
import sys


def test_import_nshsched_imports_neither_torch_nor_lightning() -> None:
    code = (
        "import nshsched, sys\n"
        "config = nshsched.optimizer_registry.construct({'name': 'AdamW', 'lr': 1e-3})\n"
        "nshsched.OptimizerConfigBase.model_json_schema()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'lightning', "
        "'pytorch_lightning'})\n"
        "assert not heavy, heavy\n"
        "print(config.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "adamw"
