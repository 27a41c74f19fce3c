"""Differential tests: the library against the reference model of API.md (tests/_reference).

The cases are generated from the registries -- every tag of ``S.lr_scheduler_registry`` and
``S.optimizer_registry`` -- so a new tag is covered without editing this file; a tag the
reference model cannot evaluate fails (``UnknownTag``), it is never skipped. Around each
scheduler tag hypothesis draws the optimizer (adamw, sgd with momentum, adam), warmups in
every unit, group overrides (lr, lr_scale, weight decay, own schedule, None), layer decay,
no weight decay (bool, a glob list, ``no_weight_decay()``), hyperparameter schedules
(relative, start/end), interval and frequency overrides, and wrappers (``torch.compile``,
``DataParallel``). Each case is compared for (a) ``build()`` stepped by hand, (b)
``S.preview(..., model=..., key=...)`` for every key, (c) a resume at a random step, (d)
``step_to`` at random steps; a scheduler alone also through ``create_scheduler`` stepped as
Lightning steps it. Real ``Trainer.fit`` runs: tests/test_differential_lightning.py.
Tolerances: tests/_differential.py (relative 1e-9).

Cases the library is known to get wrong are listed in tests/_differential_known.py and
kept out of the generated tests; each has a minimal case below, ``xfail(strict=True)``.
``pytest --slow`` draws many more examples (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pydantic
import pytest
import torch
from hypothesis import given, note, reject, settings
from hypothesis import strategies as st

import nshsched as S
from _differential import Rejected, quiet, run, run_scheduler_alone
from _differential_cases import Case, cases, lengths, library_tags, several_cases
from _differential_known import KNOWN, LIGHTNING_ONLY, REASONS, known_failures
from _differential_samples import Ctx, overrides, pick, sample
from _reference import TAGS, UnknownTag, interval_of

SCHEDULER_TAGS = library_tags(S.lr_scheduler_registry)
OPTIMIZER_TAGS = library_tags(S.optimizer_registry)
UNITS = [None, "steps", "epochs", "fraction"]
PROFILE = settings.get_profile("nshsched-differential")  # registered in tests/conftest.py
# torch's LBFGS takes one param group only ("doesn't support per-parameter options").
SINGLE_GROUP_OPTIMIZERS = {"lbfgs"}


def require_modelled(tag: str) -> None:
    if tag not in TAGS:
        raise UnknownTag("scheduler tag", tag)
    sample(tag)


def run_drawn(data: st.DataObject, case: Case) -> None:
    """Validate, draw the resume and seek points, run every comparison; reject what the
    library refuses to build (a ValueError at creation) or what is a known failure."""
    note(str(case))
    if known_failures(case.data, (case.spe, case.total)):
        reject()
    try:
        case.config()
    except pydantic.ValidationError:
        reject()
    at = data.draw(st.integers(0, case.total - 1), label="resume at")
    seek = data.draw(st.lists(st.integers(0, case.total), min_size=1, max_size=3), label="step_to")
    try:
        run(case, resume_at=at, seek=seek)
    except Rejected:
        reject()


@pytest.mark.parametrize("tag", SCHEDULER_TAGS)
def test_every_scheduler_tag_is_modelled(tag: str) -> None:
    require_modelled(tag)


def test_a_tag_the_reference_does_not_know_fails() -> None:
    with pytest.raises(UnknownTag, match="does not know the scheduler tag 'my_schedule'"):
        require_modelled("my_schedule")


@pytest.mark.parametrize("unit", UNITS, ids=str)
@pytest.mark.parametrize("tag", SCHEDULER_TAGS)
@settings(PROFILE)
@given(data=st.data())
def test_optimization_config_matches_reference(
    tag: str, unit: str | None, data: st.DataObject
) -> None:
    require_modelled(tag)
    run_drawn(data, data.draw(cases(tag, unit), label="case"))


@pytest.mark.parametrize("tag", SCHEDULER_TAGS)
@settings(PROFILE)
@given(data=st.data())
def test_scheduler_alone_matches_reference(tag: str, data: st.DataObject) -> None:
    """``preview(cfg, length, base_lrs)`` and ``create_scheduler`` (stepped as Lightning
    steps it), the first base LR playing the optimizer's ``lr``."""
    require_modelled(tag)
    spe, total = lengths(data.draw)
    ctx = Ctx(unit=pick(data.draw, *UNITS), groups=("head", "early"), optimizer="sgd")
    fields = {"name": tag, **sample(tag)(data.draw, ctx), **overrides(data.draw, tag)}
    note(f"TrainingLength({spe}, {total}), {fields}")
    if known_failures(fields, (spe, total), "alone"):
        reject()
    try:
        cfg = S.lr_scheduler_registry.construct(fields)
    except pydantic.ValidationError:
        reject()
    length = S.TrainingLength(steps_per_epoch=spe, total_steps=total)
    base_lrs = {"default": 0.1, "head": 0.03, "early": 0.5}
    try:
        with quiet():
            S.preview(cfg, length, base_lrs)
    except ValueError:
        reject()
    run_scheduler_alone(cfg, length, base_lrs, lambda: f"length={length}, config={fields}")


@settings(PROFILE, max_examples=PROFILE.max_examples * 8)
@given(data=st.data())
def test_several_optimizers_match_reference(data: st.DataObject) -> None:
    """``OptimizersConfig``: encoder / actor by ``module``, the rest, each its own schedule."""
    case = data.draw(several_cases(SCHEDULER_TAGS), label="case")
    for tag in case.tags:
        require_modelled(tag)
    run_drawn(data, case)


def optimizer_case(tag: str) -> Case:
    """An LR schedule, a weight-decay schedule where the optimizer has one, two groups
    (one where torch allows only one), on a model of 2-D weights (Muon takes no other)."""
    fields = S.optimizer_registry.get(tag).model_fields
    optimizer = {"name": tag, "lr": 0.01}
    data: dict = {"optimizer": optimizer, "scheduler": {"name": "cosine", "warmup": 2}}
    if "weight_decay" in fields:
        optimizer["weight_decay"] = 0.01
        data["hyperparameters"] = {"weight_decay": {"schedule": {"name": "linear"}}}
    if tag not in SINGLE_GROUP_OPTIMIZERS:
        data["param_groups"] = [{"name": "last", "params": ["1.*"], "lr_scale": 0.5}]
    return Case(data, 3, 9, model_name="mlp")


def known(case_data: dict) -> list:
    """``pytest.param`` marks: a strict xfail for each known difference a case falls under."""
    return [
        pytest.mark.xfail(strict=True, reason=f"{k.key}: {REASONS[k.key]}")
        for k in known_failures(case_data)
    ]


@pytest.mark.parametrize(
    "tag", [pytest.param(t, marks=known(optimizer_case(t).data)) for t in OPTIMIZER_TAGS]
)
def test_optimizer_matches_reference(tag: str) -> None:
    """Every registered optimizer; every other numeric param-group key stays as configured."""
    run(optimizer_case(tag), resume_at=4, seek=[9, 2])


# --- known failures: one minimal case each; strict xfail flips when the library is fixed ---


def _build(data: dict, spe: int = 4, total: int = 12, model: str = "vit") -> None:
    case = Case(data, spe, total, model_name=model)
    try:
        run(case, resume_at=total // 2, seek=[total])
    except Rejected as error:
        raise AssertionError(f"build() refused a config the contract accepts: {error}") from error


def _alone(fields: dict, spe: int = 4, total: int = 16) -> None:
    cfg = S.lr_scheduler_registry.construct(fields)
    length = S.TrainingLength(steps_per_epoch=spe, total_steps=total)
    run_scheduler_alone(cfg, length, {"default": 0.1, "head": 0.03}, lambda: str(fields))


def _item1() -> None:
    _alone(
        {"name": "reduce_lr_on_plateau", "monitor": "m", "warmup": {"kind": "steps", "value": 3}}
    )


def _item2() -> None:
    _build(
        {
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            "scheduler": {
                "name": "cyclic_lr",
                "base_lr": 0.01,
                "max_lr": 0.1,
                "step_size_up": 2,
                "base_momentum": 1.0,
                "max_momentum": 22.0,
            },
        }
    )


def _item3_absolute() -> None:
    _build(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3},
            "param_groups": [
                {
                    "name": "early",
                    "params": ["blocks.0.*"],
                    "scheduler": {
                        "name": "step_decay",
                        "intervals": [{"start": 0, "end": 12, "lr": 4e-3}],
                    },
                }
            ],
            "layer_decay": {"rate": 0.5},
        }
    )


def _item3_per_group() -> None:
    _build(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3},
            "scheduler": {"name": "per_group", "groups": {"late": {"name": "cosine"}}},
            "param_groups": [{"name": "late", "params": ["blocks.2.*", "norm.*"]}],
            "layer_decay": {"rate": 0.5},
            "no_weight_decay": True,
        }
    )


def _item4() -> None:
    _build(
        {
            "optimizer": {"name": "sgd", "lr": 0.1},
            "scheduler": {"name": "timm_cosine", "t_initial": 6, "interval": "step"},
        }
    )


def _item6() -> None:
    cfg = S.ExponentialLRConfig(gamma=1.5)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="gamma"):
        cfg.create_scheduler(optimizer, S.TrainingLength(steps_per_epoch=10, total_steps=20_000))


def _new_hyper_wsd() -> None:
    _build(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "hyperparameters": {
                "weight_decay": {"schedule": {"name": "warmup_stable_decay", "decay": 4}}
            },
        }
    )


def _new_per_group_override() -> None:
    _build(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3},
            "scheduler": {"name": "per_group", "default": {"name": "cosine"}},
            "param_groups": [{"name": "head", "params": ["head.*"], "scheduler": None}],
        }
    )


def _new_one_cycle_short_rise() -> None:
    _alone({"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 3, "pct_start": 0.3})


def _new_plateau_next_to_schedules() -> None:
    _build(
        {
            "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 0.05},
            "scheduler": {"name": "reduce_lr_on_plateau", "monitor": "m"},
            "hyperparameters": {"weight_decay": {"schedule": {"name": "cosine"}}},
        }
    )


def _preview_muon_without_a_model() -> None:
    _build(
        {"optimizer": {"name": "muon", "lr": 0.01}, "scheduler": {"name": "cosine"}}, model="mlp"
    )


def _new_constant_per_group() -> None:
    _alone({"name": "per_group", "groups": {"head": None}})


def _new_whole_rounding() -> None:
    _alone({"name": "linear", "frequency": 3})


def _warmup_fills_a_phase() -> None:
    # found by --slow once one_cycle_lr took total_steps=1 (a warmup filling a sequential
    # phase leaves its schedule a training of one step: §3, a length is positive)
    one_cycle = {
        "name": "one_cycle_lr",
        "warmup": {"kind": "steps", "value": 2},
        "max_lr": 0.1,
        "three_phase": True,
        "cycle_momentum": False,
        "interval": "epoch",
    }
    phases = [{"schedule": one_cycle, "duration": 2}, {"schedule": {"name": "constant"}}]
    _alone({"name": "sequential", "phases": phases}, spe=2, total=5)


# A minimal case per known difference (tests/_differential_known.py), failing as long as
# the library differs from the reference there. Empty: every difference found is fixed.
KNOWN_EXAMPLES: dict[str, Callable[[], None]] = {}


def test_known_differences_still_differ() -> None:
    # the minimal case of each known difference still fails; one that passes is a fixed
    # difference whose entry must go (its case moves to FIXED_EXAMPLES below)
    fixed = []
    for key, example in KNOWN_EXAMPLES.items():
        try:
            example()
        except Exception:  # the difference (an error or a failed comparison) is still there
            continue
        fixed.append(key)
    assert not fixed, f"fixed: remove {fixed} from tests/_differential_known.py"


# Differences found by the reference and fixed since: their minimal cases stay, as plain
# regression tests (the generated tests cover them too, now that nothing keeps them out).
FIXED_EXAMPLES = {
    "issue 18 item 1: plateau with a warmup is one Lightning dict": _item1,
    "plateau next to a hyperparameter schedule builds": _new_plateau_next_to_schedules,
    "preview without a model builds no torch optimizer (muon)": _preview_muon_without_a_model,
    "issue 18 item 4: timm interval alone sets t_in_epochs": _item4,
    "a warmup_stable_decay hyperparameter schedule validates": _new_hyper_wsd,
    "an all-constant per_group is one Lightning dict": _new_constant_per_group,
    "one_cycle_lr with a rise under one step equals torch": _new_one_cycle_short_rise,
    "issue 18 item 2: cyclic_lr momentums 1 and 22 on SGD, as torch": _item2,
    "issue 18 item 6: exponential_lr overflowing names gamma": _item6,
    "issue 18 item 3: layer decay scales a group's own step_decay": _item3_absolute,
    "issue 18 item 3: per_group.groups[group] drives its parts": _item3_per_group,
    "a global per_group next to a group's own scheduler builds": _new_per_group_override,
    "the whole training is fraction 1.0 under a scheduler step of 3": _new_whole_rounding,
    "a warmup that fills a sequential phase: its schedule runs on one step": _warmup_fills_a_phase,
}


@pytest.mark.parametrize("key", list(FIXED_EXAMPLES))
def test_fixed_difference(key: str) -> None:
    FIXED_EXAMPLES[key]()


def test_every_known_difference_has_one_minimal_case() -> None:
    assert set(KNOWN_EXAMPLES) == set(REASONS) - LIGHTNING_ONLY
    assert {k.key for k in KNOWN} <= set(REASONS)


def test_reference_interval_follows_the_config() -> None:
    """The reference reads intervals as API.md §4 states (a check on the checker)."""
    assert interval_of(S.CosineAnnealingLRConfig(T_max=3)) == "epoch"
    assert interval_of(S.OneCycleLRConfig(max_lr=1.0)) == "step"
    assert interval_of(S.TimmCosineConfig(t_initial=3, t_in_epochs=False)) == "step"
