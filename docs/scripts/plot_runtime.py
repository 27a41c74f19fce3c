"""Draw the pictures of ``docs/composition.md`` with ``nshsched.preview``.

Run from the repository root: ``python docs/scripts/plot_runtime.py``. Each picture is the
preview of the config shown next to it on the page (the page's code blocks, run by the
tests, check the same values).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import nshsched as S

ROOT = Path(__file__).resolve().parents[2]
IMG_DIR = ROOT / "docs" / "img" / "runtime"

EPOCH_WARMUP = {
    "name": "cosine_annealing_lr",
    "T_max": 8,
    "warmup": {"kind": "epochs", "value": 2},
}
"""A torch mirror (interval epoch) with a warmup of 2 epochs, 10 epochs of 20 steps."""

RATIOS = {
    "optimizer": {"name": "adamw", "lr": 1e-3},
    "scheduler": {
        "name": "step_decay",
        "intervals": [
            {"start": 0, "end": {"kind": "fraction", "value": 0.4}, "lr": 1e-3},
            {
                "start": {"kind": "fraction", "value": 0.4},
                "end": {"kind": "fraction", "value": 0.8},
                "lr": 5e-4,
            },
            {
                "start": {"kind": "fraction", "value": 0.8},
                "end": {"kind": "fraction", "value": 1.0},
                "lr": 1e-4,
            },
        ],
    },
    "param_groups": [
        {"name": "head", "params": ["head.*"], "lr_scale": 10},
        {
            "name": "probe",
            "params": ["probe.*"],
            "scheduler": {
                "name": "step_decay",
                "intervals": [
                    {"start": 0, "end": {"kind": "fraction", "value": 0.5}, "lr": 3e-3},
                    {
                        "start": {"kind": "fraction", "value": 0.5},
                        "end": {"kind": "fraction", "value": 1.0},
                        "lr": 2e-3,
                    },
                ],
            },
        },
    ],
}
"""A global absolute schedule keeps the head's 10x ratio; a group's own sets its LR."""

LENGTH = S.TrainingLength(steps_per_epoch=20, total_steps=200)


def _plot(path: Path, columns: list[str], values: object, title: str, log: bool = False) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=110)
    for i, name in enumerate(columns):
        ax.plot(values[:, i], label=name, linewidth=1.6, drawstyle="steps-post")  # type: ignore[index]
    for e in range(0, LENGTH.total_steps + 1, LENGTH.steps_per_epoch):
        ax.axvline(e, color="0.9", linewidth=0.8, zorder=0)
    ax.set_xlabel("optimizer step (grey lines: epoch boundaries)")
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    warm = S.preview(S.lr_scheduler_registry.construct(EPOCH_WARMUP), LENGTH, [1.0])
    _plot(IMG_DIR / "epoch_warmup.png", ["lr"], warm, "cosine_annealing_lr + warmup: 2 epochs")
    oc = S.OptimizationConfig.model_validate(RATIOS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "a global and a group's own scheduler": intended
        ratios = S.preview(oc, LENGTH)
    _plot(
        IMG_DIR / "group_ratios.png",
        S.preview_groups(oc),
        ratios,
        "step_decay: ratios kept",
        log=True,
    )
    print(f"wrote {IMG_DIR}/epoch_warmup.png and group_ratios.png")


if __name__ == "__main__":
    main()
