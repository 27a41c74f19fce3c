"""The private names of torch, Lightning and jsonargparse that nshsched still uses (listed,
with the reason for each, in ``docs/environments.md``) exist and behave as nshsched relies
on, in the installed releases: a peer release that drops one fails here, by name, before
users see it. The features built on them have their own tests (named in the docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import nshsched as S

DOCS = Path(__file__).resolve().parent.parent / "docs" / "environments.md"
SRC = Path(__file__).resolve().parent.parent / "src" / "nshsched"


def test_jsonargparse_adapt_typehints_is_wrapped() -> None:
    jsonargparse_typehints = pytest.importorskip("jsonargparse._typehints")
    wrapped = jsonargparse_typehints.adapt_typehints
    assert getattr(wrapped, "__nshsched_adapter__", False)
    # the original takes (val, typehint, serialize, ...), which the wrapper forwards
    original = wrapped.__wrapped__
    assert original(3, int) == 3
    assert original(3, int, True) == 3


def test_lightning_fit_loop_setup_data_sets_num_training_batches() -> None:
    L = pytest.importorskip("lightning.pytorch")

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)

        def training_step(self, batch, batch_idx):  # type: ignore[no-untyped-def]
            return self.layer(batch[0]).sum()

        def train_dataloader(self):  # type: ignore[no-untyped-def]
            data = torch.utils.data.TensorDataset(torch.zeros(10, 1))
            return torch.utils.data.DataLoader(data, batch_size=3)

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            self.seen = (
                S.TrainingLength.from_trainer(self.trainer),
                self.trainer.num_training_batches,
            )
            return torch.optim.SGD(self.parameters(), lr=0.1)

    module = Module()
    trainer = L.Trainer(
        max_steps=5,  # max_epochs None or -1: estimated_stepping_batches loads no data
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    assert trainer.max_epochs in (None, -1)
    assert callable(trainer.fit_loop.setup_data)
    trainer.fit(module)
    # 10 samples in batches of 3: 4 batches an epoch, 5 steps in all
    assert module.seen == (S.TrainingLength(steps_per_epoch=4, total_steps=5), 4)


def test_lr_scheduler_last_lr_and_step_count() -> None:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1)
    theirs = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    # torch's own scheduler keeps these, its get_last_lr() reads _last_lr
    assert theirs.get_last_lr() == theirs._last_lr == [0.1]
    assert theirs._step_count == 1
    assert {"_last_lr", "_step_count"} <= set(theirs.state_dict())
    # nshsched's schedulers keep the same attributes and state keys
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    config = S.lr_scheduler_registry.construct({"name": "step_lr", "step_size": 1, "gamma": 0.5})
    ours = config.create_scheduler(optimizer, S.TrainingLength(steps_per_epoch=1, total_steps=4))
    ours = ours["scheduler"]
    assert ours._step_count == 1
    optimizer.step()
    ours.step()
    assert ours.get_last_lr() == pytest.approx([0.05], rel=1e-15)
    assert ours._step_count == 2
    assert {"_last_lr", "_step_count"} <= set(ours.state_dict())


def test_wrapper_children_are_the_names_torch_inserts() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    compiled = torch.compile(model)
    assert isinstance(getattr(compiled, "_orig_mod", None), torch.nn.Module)
    assert [n for n, _ in compiled.named_parameters()] == ["_orig_mod.0.weight", "_orig_mod.0.bias"]
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import checkpoint_wrapper

    wrapped = torch.nn.Sequential(checkpoint_wrapper(torch.nn.Linear(2, 2)))
    assert [n for n, _ in wrapped.named_modules()] == ["", "0", "0._checkpoint_wrapped_module"]


def test_the_docs_list_every_private_name_in_use() -> None:
    """Each private name the docs list is still used in ``src/`` (the list does not go
    stale), and each of the known ways into a peer's privates is listed."""
    docs = DOCS.read_text()
    section = docs[docs.index("## Private names") :]
    listed = set(re.findall(r"^- `([^`]+)`", section, flags=re.M))
    assert listed == {
        "jsonargparse._typehints.adapt_typehints",
        "trainer.fit_loop.setup_data()",
        "LRScheduler._last_lr, LRScheduler._step_count",
        "_orig_mod, _fsdp_wrapped_module, _checkpoint_wrapped_module",
    }
    source = "\n".join(p.read_text() for p in SRC.rglob("*.py"))
    for needle in (
        "jsonargparse._typehints",
        "fit_loop.setup_data()",
        "self._last_lr",
        "self._step_count",
        '"_orig_mod"',
        '"_fsdp_wrapped_module"',
        '"_checkpoint_wrapped_module"',
    ):
        assert needle in source, needle
    for gone in (
        "_data_connector",
        "_combined_loader",
        "_request_dataloader",
        "._modules",
        "._trainer",
    ):
        assert gone not in source, gone
