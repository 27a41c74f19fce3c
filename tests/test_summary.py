"""``nshsched list`` describes each entry in one plain sentence (``nshsched.cli._summary``)."""

from __future__ import annotations

import re
from typing import Literal

import pytest

import nshsched as S
from nshsched import cli
from nshsched.cli._summary import BUILTIN_SUMMARIES, summary

REGISTRIES = (S.lr_scheduler_registry, S.optimizer_registry)
BUILTINS = sorted(
    tag
    for reg in REGISTRIES
    for tag in reg.tags()
    if reg.get(tag).__module__.startswith("nshsched.")
    # timm's generated configs (present once the entry point ran: test-order dependent)
    # describe themselves from timm's registry: see tests/test_timm_optimizers.py
    and not reg.get(tag).__module__.startswith("nshsched.optimizer.timm")
)
REFERENCE_NAMES = re.compile(
    r"\b(HF|Hugging Face|torch|timm|nshtrainer|DynVision|ReGNN|reference)\b"
)


def test_every_builtin_has_a_sentence_and_no_stale_ones() -> None:
    assert set(BUILTIN_SUMMARIES) == set(BUILTINS)


@pytest.mark.parametrize("tag", BUILTINS)
def test_one_plain_sentence(tag: str) -> None:
    reg = next(r for r in REGISTRIES if tag in r.tags())
    text = summary(reg.get(tag))
    assert text == BUILTIN_SUMMARIES[tag]
    assert text[0].isupper() and text.endswith(".")
    assert not re.search(r"[.!?]\s", text), f"{tag}: more than one sentence: {text!r}"
    assert "``" not in text and ":math:" not in text and "`" not in text
    assert not REFERENCE_NAMES.search(text), f"{tag}: names a reference project: {text!r}"
    assert len(text) <= 100


def test_user_classes_get_their_docstrings_first_sentence_without_markup() -> None:
    class Mine(S.ClosedFormLRSchedulerConfigBase):
        """torch ``LambdaLR``: scales by :math:`0.5^t` every ``step``. Second sentence.

        Details.
        """

        name: Literal["summary_test_mine"] = "summary_test_mine"

    assert summary(Mine) == "Scales by 0.5^t every step."

    class Custom(S.ClosedFormLRSchedulerConfigBase):
        """Docstring."""

        __summary__ = "My own sentence."
        name: Literal["summary_test_custom"] = "summary_test_custom"

    assert summary(Custom) == "My own sentence."

    class Bare(S.ClosedFormLRSchedulerConfigBase):
        name: Literal["summary_test_bare"] = "summary_test_bare"

    assert summary(Bare) == ""


def test_list_prints_the_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for tag in ("linear", "timm_cosine", "adamw", "cosine_warmup_with_min_lr"):
        line = next(line for line in out.splitlines() if line.split()[:1] == [tag])
        assert line.split(None, 1)[1] == BUILTIN_SUMMARIES[tag]
    assert "``" not in out and ":math:" not in out
