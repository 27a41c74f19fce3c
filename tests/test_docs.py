"""The documentation stays true: its code runs, and generated pages cover the registries.

Every ```python block of ``docs/**/*.md`` and ``README.md`` is executed; the blocks of one
page share a namespace and run in order. A block preceded by a ``<!-- skip-test -->`` line
is not run (for code that truly cannot run here).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import nshsched as S
from nshsched import presets

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SKIP_MARK = "<!-- skip-test -->"
_FENCE = re.compile(r"^```(\w*)[^\n]*$")

sys.path.insert(0, str(DOCS / "scripts"))
import plot_schedules  # noqa: E402


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every top-level ```python block not marked skip-test."""
    lines = text.splitlines()
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        prev = next((lines[k].strip() for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        if lang == "python" and prev != SKIP_MARK:
            blocks.append((start + 1, "\n".join(lines[start + 1 : j]) + "\n"))
        i = j + 1
    return blocks


def test_collector_finds_and_skips_blocks() -> None:
    text = (
        "a\n```python\nx = 1\n```\n\n<!-- skip-test -->\n```python\nboom\n```\n```bash\nls\n```\n"
    )
    assert python_blocks(text) == [(2, "x = 1\n")]


PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
PAGES_WITH_CODE = [p for p in PAGES if python_blocks(p.read_text())]


@pytest.fixture
def restore_registries():
    """Classes registered by a page's examples are removed afterwards."""
    with S.optimizer_registry.scoped(), S.lr_scheduler_registry.scoped():
        yield


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_code_runs(page: Path, tmp_path, monkeypatch, restore_registries) -> None:
    monkeypatch.chdir(tmp_path)  # Lightning and file examples write here
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for line, code in python_blocks(page.read_text()):
        try:
            # dont_inherit: a page's code runs as written, without this module's
            # `from __future__ import annotations` (LightningCLI reads annotations)
            source = f"{page.relative_to(ROOT)}:{line}"
            exec(compile(code, source, "exec", dont_inherit=True), namespace)
        except Exception as exc:
            raise AssertionError(
                f"the python block at {page.relative_to(ROOT)}:{line} failed: {exc!r}"
            ) from exc


# ---------------------------------------------------------------------- generated pages


@pytest.mark.parametrize("tag", plot_schedules.builtin_tags())
def test_every_builtin_schedule_is_on_the_page_with_a_plot(tag: str) -> None:
    page = (DOCS / "schedulers.md").read_text()
    assert f"## `{tag}`" in page, (
        f"built-in schedule {tag!r} is missing from docs/schedulers.md: "
        "run `python docs/scripts/plot_schedules.py`"
    )
    assert f"img/schedules/{tag}.png" in page
    assert (DOCS / "img" / "schedules" / f"{tag}.png").is_file(), (
        f"no plot for {tag!r}: run `python docs/scripts/plot_schedules.py`"
    )


def test_every_builtin_schedule_has_a_plot_example() -> None:
    """The gallery script knows how to build every built-in (else it stops)."""
    for tag in plot_schedules.builtin_tags():
        cfg = S.lr_scheduler_registry.construct(plot_schedules.example_for(tag))
        assert cfg.model_dump()["name"] == tag


def test_builtin_tags_exclude_user_classes(restore_registries) -> None:
    from typing import Literal

    @S.lr_scheduler_registry.register
    class _Mine(S.ClosedFormLRSchedulerConfigBase):
        name: Literal["docs_test_mine"] = "docs_test_mine"

        def multiplier(self, step, length):
            return 1.0

    assert "docs_test_mine" in S.lr_scheduler_registry
    assert "docs_test_mine" not in plot_schedules.builtin_tags()


@pytest.mark.parametrize(
    "tag",
    [
        t
        for t in S.optimizer_registry.tags()
        if S.optimizer_registry.get(t).__module__.startswith("nshsched.")
    ],
)
def test_every_builtin_optimizer_is_documented(tag: str) -> None:
    assert f"| `{tag}` |" in (DOCS / "optimizers.md").read_text()


@pytest.mark.parametrize("name", presets.names(dirs=[]))
def test_every_shipped_preset_is_documented(name: str) -> None:
    assert f"| `{name}` |" in (DOCS / "presets_cli.md").read_text()


def test_docstring_markdown_converts_math() -> None:
    class Doc:
        """Title.

        .. math::
            α(t) = \\frac{t}{T}

        where :math:`T` is ``total``.

        Example:
            >>> 1 + 1
            2
        """

    md = plot_schedules.docstring_markdown(Doc)
    assert "$$\nα(t) = \\frac{t}{T}\n$$" in md
    assert "\\(T\\) is `total`" in md
    assert ">>>" not in md


def test_fields_tables_show_defaults_not_pydantic_sentinels() -> None:
    assert "PydanticUndefined" not in (DOCS / "schedulers.md").read_text()
    table = plot_schedules.fields_table(S.PerGroupSchedulerConfig)
    assert "| `groups` | `{}` |" in table  # a default_factory, shown as its value
    assert "| `default` | `None` |" in table
    assert "| `T_max` | *required* |" in plot_schedules.fields_table(S.CosineAnnealingLRConfig)


def test_architecture_page_names_every_room() -> None:
    """docs/architecture.md describes every folder and root module of the package, and
    names none that is gone."""
    import re

    page = (DOCS / "architecture.md").read_text()
    table = page.split("## The rooms", 1)[1].split("##", 1)[0]
    named = set(re.findall(r"^\| `([^`]+)`", table, re.M))
    package = Path(S.__file__).parent
    rooms = {f"{p.name}/" for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    rooms |= {p.name for p in package.glob("*.py") if p.name not in ("__main__.py",)}
    assert rooms == named, (sorted(rooms - named), sorted(named - rooms))
