"""``import nshsched`` must not import torch or lightning (configs are plain data)."""

from __future__ import annotations

import pytest

from _helpers.processes import output_of, run_code


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
    assert output_of(run_code(code, timeout=120)).strip() == "adamw"


def test_import_nshsched_imports_no_peer_and_loads_no_plugin() -> None:
    code = (
        "import nshsched as S, sys\n"
        "S.lr_scheduler_registry.construct({'name': 'cosine'})\n"
        "S.OptimizationConfig.model_validate({'optimizer': {'name': 'sgd', 'lr': 0.1}})\n"
        "peers = {'torch', 'lightning', 'jsonargparse', 'omegaconf', 'hydra'}\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in peers)\n"
        "assert not heavy, heavy\n"
        "assert 'nshsched.config.plugins' not in sys.modules  # built-in tags load no plugin\n"
        "print('ok')\n"
    )
    assert output_of(run_code(code, timeout=120)).strip() == "ok"


@pytest.mark.parametrize(
    "order",
    [
        "import nshsched\nimport torch\nimport jsonargparse",
        "import torch\nimport jsonargparse\nimport nshsched",
        "import nshsched\nfrom lightning.pytorch.cli import LightningCLI",
    ],
    ids=["nshsched-first", "peers-first", "via-lightning-cli"],
)
def test_peer_hooks_run_whatever_the_import_order(order: str) -> None:
    code = (
        f"{order}\n"
        "import sys, torch.serialization as ser, jsonargparse._typehints as th\n"
        "from nshsched.config.checkpoint import rebuild\n"
        "assert rebuild in ser.get_safe_globals(), ser.get_safe_globals()\n"
        "assert getattr(th.adapt_typehints, '__nshsched_adapter__', False)\n"
        "import nshsched.integrations.peers as p\n"
        "assert p._finder not in sys.meta_path  # removed once every hook ran\n"
        "assert type(ser.__loader__).__name__ == 'SourceFileLoader', ser.__loader__\n"
        "assert ser.__spec__.loader is ser.__loader__\n"
        "print('ok')\n"
    )
    assert output_of(run_code(code)).strip().splitlines()[-1] == "ok"
