"""``OptimizationConfig.describe(model)``: the param groups ``build`` would make, as a table."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import nshsched as S  # noqa: E402
from nshsched.groups.describe import group_rows  # noqa: E402


class Agent(torch.nn.Module):
    """The RL reference's shape: encoder, actor, critic."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LayerNorm(16))
        self.actor = torch.nn.Linear(16, 4)
        self.critic = torch.nn.Linear(16, 1)


def _numel(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_rows_of_the_differential_preset() -> None:
    model = Agent()
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adam", "lr": 3e-4},
            "scheduler": S.presets.load("differential"),
            "param_groups": [
                {"name": "encoder", "params": ["encoder.*"]},
                {"name": "actor", "params": ["actor.*"], "lr_scale": 2},
                {"name": "critic", "params": ["critic.*"], "weight_decay": 0.1},
            ],
        }
    )
    optimizer = cfg.create_optimizer(model)  # what build and describe make
    rows = group_rows(
        optimizer.param_groups, cfg.group_scheduler([g["name"] for g in optimizer.param_groups])
    )
    # elements: encoder 8*16 + 16 + 16 + 16 = 176, actor 16*4 + 4 = 68, critic 16 + 1 = 17
    assert [(r["name"], r["tensors"], r["elements"]) for r in rows] == [
        ("encoder", 4, 176),
        ("actor", 2, 68),
        ("critic", 2, 17),
    ]
    assert [r["elements"] for r in rows] == [
        _numel(model.encoder),
        _numel(model.actor),
        _numel(model.critic),
    ]
    assert [r["lr"] for r in rows] == pytest.approx([3e-4, 6e-4, 3e-4], rel=1e-12)
    assert [r["weight_decay"] for r in rows] == [0, 0, 0.1]  # Adam's default is 0
    assert [r["schedule"] for r in rows] == ["step_decay", "exponential_decay", "step_decay"]


def test_table_with_no_weight_decay_overrides_and_frozen_parameters() -> None:
    model = Agent()
    model.critic.requires_grad_(False)
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "scheduler": {"name": "cosine"},
            "param_groups": [
                {"name": "actor", "params": ["actor.*"], "lr": 0.01, "scheduler": None}
            ],
            "no_weight_decay": True,
        }
    )
    expected = "\n".join(
        [
            "group             tensors  elements  base lr  weight decay  schedule",
            "actor                   1        64     0.01          0.05  constant",
            "actor_no_decay          1         4     0.01             0  constant",
            "default                 1       128    0.001          0.05  cosine",
            "default_no_decay        3        48    0.001             0  cosine",
            "total                   6       244",
            "frozen (requires_grad=False, in no group): 2 tensors, 17 elements",
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the dry run does not warn (nor use up the warning)
        assert cfg.describe(model) == expected


def test_describe_leaves_the_warn_once_for_the_real_build() -> None:
    model = Agent()
    cfg = S.OptimizationConfig.model_validate(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {"name": "cosine"},
            "param_groups": [
                {"name": "actor", "params": ["actor.*"], "scheduler": {"name": "linear"}}
            ],
        }
    )
    assert "linear" in cfg.describe(model)
    with pytest.warns(UserWarning, match="set their own scheduler"):
        cfg.build(model, S.TrainingLength(steps_per_epoch=1, total_steps=10))


def test_optimizer_without_weight_decay_shows_a_dash() -> None:
    cfg = S.OptimizationConfig(optimizer=S.RpropConfig(lr=0.01))
    lines = cfg.describe(torch.nn.Linear(2, 2)).splitlines()
    assert lines[1].split() == ["default", "2", "6", "0.01", "-", "constant"]


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ([{"name": "x", "params": ["nothing.*"]}], "pattern 'nothing.\\*' matches no parameter"),
        (
            [{"name": "a", "params": ["actor.*"]}, {"name": "b", "params": ["*.weight"]}],
            "is matched by param groups 'a' and 'b'",
        ),
    ],
)
def test_describe_raises_what_build_raises(groups: list[dict[str, object]], match: str) -> None:
    cfg = S.OptimizationConfig.model_validate(
        {"optimizer": {"name": "sgd", "lr": 0.1}, "param_groups": groups}
    )
    with pytest.raises(ValueError, match=match):
        cfg.describe(Agent())
