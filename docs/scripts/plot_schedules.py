"""Generate the schedule gallery from the registry: ``docs/schedulers.md`` and its plots.

Run from the repository root after adding or changing a built-in schedule::

    python docs/scripts/plot_schedules.py

For every scheduler registered by nshsched itself (``lr_scheduler_registry``, classes defined
in ``nshsched.*``) it writes ``docs/img/schedules/<tag>.png`` — the curve computed by
``nshsched.preview`` — and a section of ``docs/schedulers.md`` with the class docstring (its
formula becomes rendered math) and the example config that was plotted. A registered
built-in without an entry in ``EXAMPLES`` is tried with ``{"name": tag}`` and, if that is not
a valid config, stops the script with a message asking for an example.

``tests/test_docs.py`` fails when a registered built-in tag is missing from the page or has
no image, so the gallery cannot silently fall behind the registry.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

import yaml

import nshsched as S

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "schedulers.md"
IMG_DIR = ROOT / "docs" / "img" / "schedules"

LENGTH = S.TrainingLength(steps_per_epoch=100, total_steps=1000)
"""Every plot: 10 epochs of 100 optimizer steps."""


def frac(value: float) -> dict[str, Any]:
    return {"kind": "fraction", "value": value}


def epochs(value: float) -> dict[str, Any]:
    return {"kind": "epochs", "value": value}


EXAMPLES: dict[str, dict[str, Any]] = {
    # torch mirrors (integer counts are scheduler steps: epochs by default)
    "step_lr": {"name": "step_lr", "step_size": 3, "gamma": 0.5},
    "multi_step_lr": {"name": "multi_step_lr", "milestones": [3, 6, 8], "gamma": 0.5},
    "exponential_lr": {"name": "exponential_lr", "gamma": 0.7},
    "cosine_annealing_lr": {"name": "cosine_annealing_lr", "T_max": 10, "eta_min": 0.05},
    "cosine_annealing_warm_restarts": {
        "name": "cosine_annealing_warm_restarts",
        "T_0": 100,
        "T_mult": 2,
        "eta_min": 0.05,
        "interval": "step",
    },
    "one_cycle_lr": {"name": "one_cycle_lr", "max_lr": 1.0},
    "polynomial_lr": {"name": "polynomial_lr", "total_iters": 8, "power": 2.0},
    "linear_lr": {"name": "linear_lr", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 5},
    "constant_lr": {"name": "constant_lr", "factor": 0.5, "total_iters": 4},
    "cyclic_lr": {"name": "cyclic_lr", "base_lr": 0.1, "max_lr": 1.0, "step_size_up": 100},
    "reduce_lr_on_plateau": {"name": "reduce_lr_on_plateau", "monitor": "val_loss"},
    # ReGNN / DynVision / nshtrainer
    "warmup_cosine": {"name": "warmup_cosine", "warmup_epochs": 2, "T_max": 8, "eta_min": 0.05},
    "linear_warmup_cosine_annealing": {
        "name": "linear_warmup_cosine_annealing",
        "warmup_epochs": 2,
        "max_epochs": 10,
        "warmup_start_lr": 0.1,
        "eta_min": 0.05,
    },
    "linear_warmup_cosine_decay": {
        "name": "linear_warmup_cosine_decay",
        "warmup_duration": epochs(1),
        "max_duration": epochs(10),
        "min_lr_factor": 0.1,
    },
    # Hugging Face get_scheduler set
    "constant": {"name": "constant"},
    "constant_with_warmup": {"name": "constant_with_warmup", "warmup": frac(0.1)},
    "linear": {"name": "linear", "warmup": frac(0.1)},
    "cosine": {"name": "cosine", "warmup": frac(0.1)},
    "cosine_with_restarts": {"name": "cosine_with_restarts", "warmup": frac(0.1), "num_cycles": 3},
    "cosine_with_min_lr": {"name": "cosine_with_min_lr", "warmup": frac(0.1), "min_lr_rate": 0.1},
    "cosine_warmup_with_min_lr": {
        "name": "cosine_warmup_with_min_lr",
        "warmup_ratio": 0.1,
        "min_lr_rate": 0.1,
    },
    "polynomial": {"name": "polynomial", "warmup": frac(0.1), "lr_end": 0.1, "power": 2.0},
    "inverse_sqrt": {"name": "inverse_sqrt", "warmup": frac(0.1)},
    "warmup_stable_decay": {"name": "warmup_stable_decay", "warmup": frac(0.1), "decay": frac(0.2)},
    # timm (t_in_epochs: True, the default, counts epochs)
    "timm_cosine": {
        "name": "timm_cosine",
        "t_initial": 3,
        "cycle_mul": 2.0,
        "cycle_limit": 2,
        "cycle_decay": 0.5,
        "lr_min": 0.05,
        "warmup_t": 1,
        "warmup_lr_init": 0.1,
        "warmup_prefix": True,
        "t_in_epochs": True,
    },
    "timm_tanh": {
        "name": "timm_tanh",
        "t_initial": 1000,
        "lr_min": 0.05,
        "warmup_t": 100,
        "t_in_epochs": False,
    },
    "timm_poly": {
        "name": "timm_poly",
        "t_initial": 900,
        "power": 2.0,
        "warmup_t": 100,
        "warmup_prefix": True,
        "t_in_epochs": False,
    },
    "timm_step": {"name": "timm_step", "decay_t": 3, "decay_rate": 0.5, "warmup_t": 1},
    "timm_multistep": {"name": "timm_multistep", "decay_t": [4, 7], "decay_rate": 0.3},
    # step-boundary intervals (the RL reference)
    "step_decay": {
        "name": "step_decay",
        "intervals": [
            {"start": 0, "end": 300, "lr": 1.0},
            {"start": 300, "end": 600, "lr": 0.5},
            {"start": 600, "end": 1000, "lr": 0.1},
        ],
    },
    "exponential_decay": {
        "name": "exponential_decay",
        "intervals": [
            {"start": 0, "end": 1000, "init_lr": 1.0, "decay_rate": 0.5, "decay_interval": 200}
        ],
    },
    # composition
    "sequential": {
        "name": "sequential",
        "phases": [
            {
                "schedule": {
                    "name": "linear_lr",
                    "start_factor": 0.01,
                    "total_iters": 100,
                    "interval": "step",
                },
                "duration": frac(0.1),
            },
            {"schedule": {"name": "constant"}, "duration": frac(0.4)},
            {"schedule": {"name": "cosine"}},
        ],
    },
    "per_group": {
        "name": "per_group",
        "default": {"name": "cosine"},
        "groups": {
            "encoder": {"name": "linear", "warmup": frac(0.2)},
            "head": None,
        },
    },
}
"""The config plotted for each tag (and shown on the page)."""

BASE_LRS: dict[str, Any] = {"per_group": {"encoder": 0.5, "head": 0.8, "other": 1.0}}
"""Base LRs for tags that need named groups; every other tag uses ``[1.0]``."""

NOTES: dict[str, str] = {
    "reduce_lr_on_plateau": (
        "The plot is flat on purpose: `preview` shows the LR before any reduction, since the "
        "reductions depend on metric values that are not known in advance."
    ),
}


def builtin_tags() -> list[str]:
    """Every scheduler tag registered by nshsched itself (not by users or tests)."""
    return [
        tag
        for tag in S.lr_scheduler_registry.tags()
        if S.lr_scheduler_registry.get(tag).__module__.startswith("nshsched.")
    ]


def example_for(tag: str) -> dict[str, Any]:
    if tag in EXAMPLES:
        return EXAMPLES[tag]
    try:
        S.lr_scheduler_registry.construct({"name": tag})
    except Exception as exc:
        raise SystemExit(
            f"{tag!r} is registered but has no example in EXAMPLES of {__file__} "
            f"and {{'name': {tag!r}}} alone is not valid:\n{exc}"
        ) from exc
    return {"name": tag}


# ---------------------------------------------------------------------- docstring -> markdown

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|obj|data):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_SECTION = re.compile(r"^(Args|Arguments|Attributes|Example|Examples|Raises|Returns|Yields):\s*$")


def docstring_markdown(cls: type) -> str:
    """The class docstring as markdown: RST math blocks and roles converted, code sections
    (``Example:``, ``Args:``...) dropped (the config fields are listed separately)."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _SECTION.match(line.strip()):
            # skip the section: its indented body
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                i += 1
            continue
        stripped = line.strip()
        if stripped.startswith(".. math::"):
            indent = len(line) - len(line.lstrip())
            body: list[str] = []
            rest = stripped[len(".. math::") :].strip()
            if rest:
                body.append(rest)
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i].strip())
                i += 1
            while body and not body[-1]:
                body.pop()
            out += ["", "$$", *[b for b in body if b], "$$", ""]
            continue
        if stripped.startswith(".. note::") or stripped.startswith(".. warning::"):
            out.append("**Note:** " + stripped.split("::", 1)[1].strip())
            i += 1
            continue
        # a Google "Note:"/"References:" header keeps its text, as a bold label
        m = re.match(
            r"^(Note|Notes|References|Reference|Differs from torch|Warning):\s*(.*)$", stripped
        )
        if m and (len(line) - len(line.lstrip())) == 0:
            out.append(f"**{m.group(1)}:** {m.group(2)}".rstrip())
            i += 1
            continue
        out.append(line.strip() if not line.startswith("    ") else line[4:])
        i += 1
    text = "\n".join(out)
    text = _MATH_ROLE.sub(lambda m: f"\\({m.group(1)}\\)", text)
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    text = text.replace("``", "`")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def fields_table(cls: type) -> str:
    rows = ["| field | default | meaning |", "|---|---|---|"]
    for name, field in cls.model_fields.items():  # type: ignore[attr-defined]
        if name == "name":
            continue
        if field.is_required():
            default = "*required*"
        elif field.default_factory is not None:
            default = f"`{field.get_default(call_default_factory=True)!r}`"
        else:
            default = f"`{field.default!r}`"
        desc = (field.description or "").replace("\n", " ").replace("|", "\\|")
        desc = _MATH_ROLE.sub(lambda m: f"\\({m.group(1)}\\)", desc)
        desc = _ROLE.sub(lambda m: f"`{m.group(1)}`", desc).replace("``", "`")
        rows.append(f"| `{name}` | {default} | {desc} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------- plots


def plot(tag: str, config: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base_lrs = BASE_LRS.get(tag, [1.0])
    lrs = S.preview(config, LENGTH, base_lrs)
    labels = list(base_lrs) if isinstance(base_lrs, dict) else ["lr"]
    fig, ax = plt.subplots(figsize=(6.0, 2.6), dpi=100)
    for j, label in enumerate(labels):
        ax.plot(lrs[:, j], label=label, linewidth=1.6)
    ax.set_xlabel("optimizer step (100 per epoch)")
    ax.set_ylabel("learning rate")
    ax.set_title(tag, fontsize=10)
    ax.set_xlim(0, LENGTH.total_steps)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if len(labels) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------------- the page

INTRO = """\
# Schedulers

<!-- Generated by docs/scripts/plot_schedules.py from the registry: do not edit by hand. -->

Every built-in schedule, its formula and its curve. Each plot is computed by
`nshsched.preview` from the config shown beneath it, over **10 epochs of 100 optimizer steps**
with a base learning rate of **1.0** (so the curve is the multiplier, plus any absolute LRs
such as `eta_min`). Regenerate this page and its images with
`python docs/scripts/plot_schedules.py`.

Conventions, shared by every config:

- `interval` (`"step"` or `"epoch"`), `frequency` and `monitor` override how the scheduler is
  stepped. Torch mirrors keep torch's meaning of integer counts — *scheduler steps*, one per
  `interval`, `epoch` by default — and every count also accepts a
  [duration](durations.md) object.
- Closed-form schedules without a warmup of their own accept `warmup:` (a duration): a linear
  ramp from 0 joined in front, after which the schedule runs on the remaining length.
- A config can be written in YAML/JSON with its tag in `name`; torch class names are accepted
  as tags too (`CosineAnnealingLR`, `StepLR`, ...).

| tag | class | interval |
|---|---|---|
"""


def interval_of(config: Any) -> str:
    try:
        return str(config.resolved_metadata()["interval"])
    except Exception:
        return "?"


def build_page(sections: list[tuple[str, type, Any, dict[str, Any]]]) -> str:
    parts = [INTRO]
    for tag, cls, config, _ in sections:
        parts.append(
            f"| [`{tag}`](#{tag.replace('_', '-')}) | `{cls.__name__}` | `{interval_of(config)}` |\n"
        )
    for tag, cls, _config, example in sections:
        parts.append(f"\n## `{tag}` {{#{tag.replace('_', '-')}}}\n\n")
        parts.append(f"`nshsched.{cls.__name__}`\n\n")
        parts.append(docstring_markdown(cls) + "\n\n")
        if tag in NOTES:
            parts.append(f"!!! note\n    {NOTES[tag]}\n\n")
        parts.append(f"![{tag}](img/schedules/{tag}.png)\n\n")
        parts.append("The config plotted above:\n\n```yaml\n")
        parts.append(yaml.safe_dump(example, sort_keys=False, default_flow_style=None))
        parts.append("```\n\n")
        parts.append('??? info "Fields"\n\n')
        parts.append("    " + fields_table(cls).replace("\n", "\n    ") + "\n")
    return "".join(parts)


def main() -> int:
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    sections = []
    for tag in builtin_tags():
        example = example_for(tag)
        cls = S.lr_scheduler_registry.get(tag)
        config = S.lr_scheduler_registry.construct(example)
        plot(tag, config, IMG_DIR / f"{tag}.png")
        sections.append((tag, cls, config, example))
        print(f"plotted {tag}")
    # Remove images of tags that no longer exist.
    for png in IMG_DIR.glob("*.png"):
        if png.stem not in {s[0] for s in sections}:
            png.unlink()
    PAGE.write_text(build_page(sections))
    print(f"wrote {PAGE.relative_to(ROOT)} ({len(sections)} schedules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
