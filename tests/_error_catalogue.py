"""A catalogue of careless inputs, and how each is run through the library.

Each :class:`Case` is a config a person could write (a typo, a wrong type, a duration in
the wrong form, a value out of range, a rule broken, a schedule too long for the training)
with what its message must hold: the path of the problem, the value given, the fix.
``tests/test_error_catalogue.py`` runs every case through Python, a YAML file read by the
library, ``nshsched validate`` and a Hydra ``@hydra.main`` application, and checks that each
says the same thing. The Hydra application imports this module to run its cases exactly as
the Python channel does.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

ADAMW = {"name": "adamw", "lr": 1e-3}
"""The optimizer of the cases that are about something else."""

# The channels a case runs through.
PYTHON, YAML_FILE, CLI, HYDRA = "python", "yaml", "cli", "hydra"
ALL = (PYTHON, YAML_FILE, CLI, HYDRA)


@dataclass(frozen=True)
class Case:
    """One careless input and what its message must hold."""

    id: str
    kind: str
    """``optimization``, ``scheduler`` or ``optimizer``: what ``data`` is validated as."""
    data: Any
    path: str
    """Where the problem is (the start of its line; ``""``: the whole config)."""
    says: tuple[str, ...] = ()
    """Fragments the problem's line holds: what is wrong, the value given, the fix."""
    length: tuple[int, int] | None = None
    """``(total_steps, steps_per_epoch)``: a mistake found when the schedule is built for
    this training (``nshsched validate --total-steps``)."""
    warning: bool = False
    """The outcome is a warning, not an error."""
    channels: tuple[str, ...] = ALL
    note: str = ""
    """Why a channel is left out."""


def opt(**fields: Any) -> dict[str, Any]:
    """An OptimizationConfig's data with AdamW and ``fields``."""
    return {"optimizer": dict(ADAMW), **fields}


def frac(value: float) -> dict[str, Any]:
    return {"kind": "fraction", "value": value}


def _deep(levels: int) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "constant"}
    for _ in range(levels):
        data = {"name": "sequential", "phases": [{"schedule": data}]}
    return data


CASES: list[Case] = [
    Case(
        "two_problems",
        "optimization",
        {
            "optimizer": {"name": "adamw", "lr": 3e-4, "weight_dacay": 0.01},
            "scheduler": {"name": "cosine", "warmup": 0.1},
        },
        "scheduler.warmup",
        ("(got 0.1)", "or warmup_ratio: 0.1"),
    ),
    # ------------------------------------------------------------ misspelled fields
    Case(
        "field_typo_optimizer",
        "optimization",
        {"optimizer": {**ADAMW, "weight_dacay": 0.01}},
        "optimizer.weight_dacay",
        ("not a field of AdamWConfig", "(got 0.01)", "did you mean 'weight_decay'?"),
    ),
    Case(
        "field_typo_top",
        "optimization",
        opt(param_group=[]),
        "param_group",
        ("not a field of OptimizationConfig", "did you mean 'param_groups'?"),
    ),
    Case(
        "field_typo_group",
        "optimization",
        opt(param_groups=[{"name": "head", "params": ["fc.*"], "lr_scal": 10}]),
        "param_groups.0.lr_scal",
        ("not a field of ParamGroupConfig", "(got 10)", "did you mean 'lr_scale'?"),
    ),
    Case(
        "field_typo_phase_schedule",
        "scheduler",
        {"name": "sequential", "phases": [{"schedule": {"name": "cosine", "num_cycle": 2}}]},
        "phases.0.schedule.num_cycle",
        ("not a field of CosineSchedulerConfig", "did you mean 'num_cycles'?"),
    ),
    Case(
        "field_typo_hf_keyword",
        "scheduler",
        {"name": "linear", "num_warmup_step": 10},
        "num_warmup_step",
        ("not a field of LinearSchedulerConfig", "did you mean 'num_warmup_steps'?"),
    ),
    Case(
        "field_learning_rate",
        "optimizer",
        {"name": "sgd", "learning_rate": 0.1},
        "learning_rate",
        ("not a field of SGDConfig", "did you mean 'lr'?"),
    ),
    Case(
        "field_of_another_optimizer",
        "optimization",
        {"optimizer": {**ADAMW, "momentum": 0.9}},
        "optimizer.momentum",
        ("not a field of AdamWConfig", "(got 0.9)", "its fields: name, lr, betas"),
    ),
    Case(
        "field_typo_interval",
        "scheduler",
        {"name": "step_decay", "intervals": [{"start": 0, "end": 5, "lr": 0.1, "ends": 9}]},
        "intervals.0.ends",
        ("not a field of StepDecayIntervalConfig", "did you mean 'end'?"),
    ),
    Case(
        "field_typo_layer_decay",
        "optimization",
        opt(layer_decay={"rate": 0.7, "layer": "x"}),
        "layer_decay.layer",
        ("not a field of LayerDecayConfig", "did you mean 'layers'?"),
    ),
    # ------------------------------------------------------------ misspelled or unknown tags
    Case(
        "tag_typo_optimizer",
        "optimization",
        {"optimizer": {"name": "addamw", "lr": 1e-3}},
        "optimizer",
        ("unknown name 'addamw' for OptimizerConfig", "did you mean 'adamw'?", "--import"),
    ),
    Case(
        "tag_typo_scheduler",
        "optimization",
        opt(scheduler={"name": "cosin"}),
        "scheduler",
        ("unknown name 'cosin' for LRSchedulerConfig", "did you mean 'cosine'?"),
    ),
    Case(
        "tag_typo_group_scheduler",
        "optimization",
        opt(param_groups=[{"name": "head", "params": ["fc.*"], "scheduler": {"name": "lineer"}}]),
        "param_groups.0.scheduler",
        ("unknown name 'lineer'", "did you mean 'linear'?"),
    ),
    Case(
        "tag_typo_hyperparameter",
        "optimization",
        opt(hyperparameters={"weight_decay": {"schedule": {"name": "cosinn"}}}),
        "hyperparameters.weight_decay.schedule",
        ("unknown name 'cosinn'", "did you mean 'cosine'?"),
    ),
    Case(
        "tag_unknown_user_class",
        "optimization",
        opt(scheduler={"name": "my_warmup_schedule"}),
        "scheduler",
        (
            "unknown name 'my_warmup_schedule'",
            "registered: constant,",
            "your own class? import its module first",
            "--import MODULE or NSHSCHED_IMPORT=MODULE",
            "an entry point in the `nshsched` group",
        ),
    ),
    Case(
        "tag_kind_typo",
        "scheduler",
        {"name": "cosine", "warmup": {"kind": "fractions", "value": 0.1}},
        "warmup",
        ("unknown kind 'fractions'", "did you mean 'fraction'?"),
    ),
    Case(
        "tag_kind_missing",
        "scheduler",
        {"name": "cosine", "warmup": {"value": 0.1}},
        "warmup",
        ("a duration needs `kind`", "{kind: steps|epochs|fraction, value: ...}"),
    ),
    Case(
        "tag_wrong_type",
        "optimization",
        {"optimizer": "adamw"},
        "optimizer",
        ("expected a mapping {name: <tag>, ...} for OptimizerConfig", "(got 'adamw')"),
    ),
    # ------------------------------------------------------------ durations in the wrong form
    Case(
        "duration_fraction_as_number",
        "optimization",
        opt(scheduler={"name": "cosine", "warmup": 0.1}),
        "scheduler.warmup",
        (
            "expected a whole number of scheduler steps or a duration "
            "{kind: steps|epochs|fraction, value: ...}",
            "(got 0.1)",
            "for 10% of training write {kind: fraction, value: 0.1}",
            "or warmup_ratio: 0.1",
        ),
    ),
    Case(
        "duration_epochs_as_number",
        "scheduler",
        {"name": "cosine_annealing_lr", "T_max": 2.5},
        "T_max",
        ("(got 2.5)", "for 2.5 epochs write {kind: epochs, value: 2.5}"),
    ),
    Case(
        "duration_generic_warmup_as_int",
        "scheduler",
        {"name": "cosine_annealing_lr", "T_max": 10, "warmup": 100},
        "warmup",
        (
            "expected a duration {kind: steps|epochs|fraction, value: ...}",
            "(got 100)",
            "for 100 optimizer steps write {kind: steps, value: 100}",
        ),
    ),
    Case(
        "duration_milestone_fraction",
        "scheduler",
        {"name": "multi_step_lr", "milestones": [0.3, 10]},
        "milestones.0",
        ("(got 0.3)", "{kind: fraction, value: 0.3}"),
    ),
    Case(
        "duration_interval_end",
        "optimization",
        opt(scheduler={"name": "step_decay", "intervals": [{"start": 0, "end": 0.5, "lr": 1e-4}]}),
        "scheduler.intervals.0.end",
        ("(got 0.5)", "{kind: fraction, value: 0.5}"),
    ),
    Case(
        "duration_percent_string",
        "scheduler",
        {"name": "linear", "warmup": "10%"},
        "warmup",
        ("(got '10%')", "{kind: fraction, value: 0.1}", "warmup_ratio: 0.1"),
    ),
    Case(
        "duration_fraction_above_one",
        "scheduler",
        {"name": "linear", "warmup": frac(1.5)},
        "warmup.value",
        ("less than or equal to 1", "(got 1.5)"),
    ),
    Case(
        "duration_phase_as_number",
        "scheduler",
        {"name": "sequential", "phases": [{"schedule": {"name": "linear"}, "duration": 0.25}]},
        "phases.0.duration",
        ("(got 0.25)", "{kind: fraction, value: 0.25}"),
    ),
    # ------------------------------------------------------------ wrong types
    Case(
        "type_lr_string",
        "optimization",
        {"optimizer": {"name": "adamw", "lr": "fast"}},
        "optimizer.lr",
        ("valid number", "(got 'fast')"),
    ),
    Case(
        "type_lr_bool",
        "optimizer",
        {"name": "sgd", "lr": True},
        "lr",
        ("expected a number, got the boolean True",),
    ),
    Case(
        "type_params_string",
        "optimization",
        opt(param_groups=[{"name": "head", "params": "fc.*"}]),
        "param_groups.0.params",
        ("valid list", "(got 'fc.*')"),
    ),
    Case(
        "type_no_weight_decay",
        "optimization",
        opt(no_weight_decay=3),
        "no_weight_decay",
        ("expected true or false or a list of strings", "(got 3)"),
    ),
    Case(
        "type_group_scheduler_string",
        "optimization",
        opt(param_groups=[{"name": "head", "params": ["fc.*"], "scheduler": "constant"}]),
        "param_groups.0.scheduler",
        ("expected 'inherit' or a mapping {name: <tag>, ...} for LRSchedulerConfig",),
    ),
    Case(
        "type_max_lr",
        "scheduler",
        {"name": "cyclic_lr", "base_lr": 0.01, "max_lr": "high"},
        "max_lr",
        ("expected a number or a list of numbers", "(got 'high')"),
    ),
    Case(
        "type_interval_literal",
        "scheduler",
        {"name": "cosine", "interval": "epochs"},
        "interval",
        ("'step' or 'epoch'", "(got 'epochs')"),
    ),
    Case(
        "type_betas_short",
        "optimization",
        {"optimizer": {**ADAMW, "betas": [0.9]}},
        "optimizer.betas.1",
        ("Field required",),
    ),
    # ------------------------------------------------------------ values out of range, NaN
    Case(
        "range_lr_nan",
        "optimization",
        {"optimizer": {"name": "adamw", "lr": float("nan")}},
        "optimizer.lr",
        ("finite number", "(got nan)"),
    ),
    Case(
        "range_lr_negative",
        "optimizer",
        {"name": "adamw", "lr": -0.001},
        "lr",
        ("greater than or equal to 0", "(got -0.001)"),
    ),
    Case(
        "range_beta",
        "optimizer",
        {"name": "adam", "lr": 1e-3, "betas": [0.9, 1.5]},
        "betas.1",
        ("less than 1", "(got 1.5)"),
    ),
    Case(
        "range_layer_decay",
        "optimization",
        opt(layer_decay={"rate": 1.5}),
        "layer_decay.rate",
        ("less than or equal to 1", "(got 1.5)"),
    ),
    Case(
        "range_frequency",
        "scheduler",
        {"name": "cosine", "frequency": 0},
        "frequency",
        ("greater than 0", "(got 0)"),
    ),
    Case(
        "range_huge_count",
        "scheduler",
        {"name": "step_lr", "step_size": 2**60},
        "step_size",
        ("less than or equal to 9007199254740992", "(got 1152921504606846976)"),
    ),
    Case(
        "range_missing_lr",
        "optimization",
        {"optimizer": {"name": "sgd"}},
        "optimizer.lr",
        ("Field required",),
    ),
    # ------------------------------------------------------------ rules between fields
    Case(
        "rule_warmup_beyond_total",
        "optimization",
        opt(scheduler={"name": "cosine", "warmup": 2000, "total": 1000}),
        "scheduler.warmup",
        ("warmup=2000 must be <= total=1000", "shorten the warmup or lengthen total"),
    ),
    Case(
        "rule_warmup_beyond_total_fractions",
        "scheduler",
        {"name": "linear", "warmup": frac(0.5), "total": frac(0.2)},
        "warmup",
        ("warmup={kind: fraction, value: 0.5} must be <= total={kind: fraction, value: 0.2}",),
    ),
    Case(
        "rule_warmup_and_ratio",
        "scheduler",
        {"name": "linear", "warmup": 10, "warmup_ratio": 0.1},
        "",
        ("set warmup (HF num_warmup_steps) or warmup_ratio, not both",),
    ),
    Case(
        "rule_plateau_without_monitor",
        "optimization",
        opt(scheduler={"name": "reduce_lr_on_plateau"}),
        "scheduler.monitor",
        ("reduce_lr_on_plateau needs `monitor`", "e.g. monitor: val_loss"),
    ),
    Case(
        "rule_intervals_overlap",
        "scheduler",
        {
            "name": "step_decay",
            "intervals": [{"start": 0, "end": 10, "lr": 0.1}, {"start": 5, "end": 20, "lr": 0.05}],
        },
        "intervals.1.start",
        ("overlaps or precedes intervals[0]", "its start (5) must be >= the previous end (10)"),
    ),
    Case(
        "rule_phases_beyond_training",
        "scheduler",
        {
            "name": "sequential",
            "phases": [
                {"schedule": {"name": "constant"}, "duration": frac(0.7)},
                {"schedule": {"name": "linear"}, "duration": frac(0.6)},
            ],
        },
        "phases.1.duration",
        ("0.7 + 0.6 = 1.3 > 1", "shorten the phases"),
    ),
    Case(
        "rule_duplicate_group",
        "optimization",
        opt(param_groups=[{"name": "a", "params": ["x.*"]}, {"name": "a", "params": ["y.*"]}]),
        "param_groups.1.name",
        ("param group name 'a' is used by more than one group", "give each group its own name"),
    ),
    Case(
        "rule_lr_as_hyperparameter",
        "optimization",
        opt(hyperparameters={"lr": {"schedule": {"name": "cosine"}}}),
        "hyperparameters.lr",
        ("the key 'lr' is scheduled by `scheduler`",),
    ),
    # ------------------------------------------------------------ warnings at validation
    Case(
        "warn_absolute_schedule_unused_lr",
        "optimization",
        {
            "optimizer": {"name": "adamw", "lr": 3e-4},
            "scheduler": {
                "name": "step_decay",
                "intervals": [
                    {"start": frac(0.0), "end": frac(0.5), "lr": 1e-4},
                    {"start": frac(0.5), "end": frac(1.0), "lr": 5e-5},
                ],
            },
        },
        "",
        ("optimizer.lr=0.0003 is not used", "scheduler step_decay", "(first 0.0001)"),
        warning=True,
    ),
    # ------------------------------------------------------------ hostile input
    Case(
        "hostile_huge_value",
        "optimization",
        {"optimizer": {"name": "adamw", "lr": "9" * 100 + "x" * 999_900}},
        "optimizer.lr",
        ("... (1000000 characters)",),
        channels=(PYTHON, YAML_FILE, CLI),
        note="Hydra: a million-character override is not a command line",
    ),
    Case(
        "hostile_huge_key",
        "optimization",
        {"optimizer": {**ADAMW, "k" * 100_000: 1}},
        "optimizer.kkkkkkkkkkkkkkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        ("not a field of AdamWConfig",),
    ),
    Case(
        "hostile_deep_nesting",
        "optimization",
        opt(scheduler=_deep(150)),
        "",
        ("more than 100 levels of nested lists/mappings",),
        channels=(PYTHON,),
        note="files: refused by the reader (tests/test_cli_safety.py); Hydra: OmegaConf",
    ),
    # ------------------------------------------------------------ found when built for a length
    Case(
        "length_warmup_beyond_training",
        "optimization",
        opt(scheduler={"name": "cosine", "warmup": 2000}),
        "",
        (
            "warmup (2000 scheduler steps) must be <= total "
            "(the whole training: 1000 scheduler steps)",
        ),
        length=(1000, 100),
    ),
    Case(
        "length_generic_warmup_beyond_training",
        "scheduler",
        {"name": "cosine_annealing_lr", "T_max": 10, "warmup": {"kind": "epochs", "value": 50}},
        "",
        (
            "warmup ({kind: epochs, value: 50} = 5000 optimizer steps) is longer than the "
            "whole training (1000 optimizer steps)",
        ),
        length=(1000, 100),
    ),
    Case(
        "length_horizon_error",
        "scheduler",
        {"name": "cosine_annealing_lr", "T_max": 5, "horizon_check": "error"},
        "",
        ("its decay ends at optimizer step 500 of 1000", "horizon_check: off"),
        length=(1000, 100),
    ),
    Case(
        "length_overflow",
        "scheduler",
        {"name": "exponential_lr", "gamma": 2.0, "interval": "step"},
        "",
        ("the lr of param group", "would be inf at optimizer step 1024 of 2000"),
        length=(2000, 100),
    ),
    Case(
        "length_duration_too_large",
        "scheduler",
        {"name": "linear", "warmup": {"kind": "epochs", "value": 2.0**52}},
        "",
        (
            "warmup = {kind: epochs, value: 4.5036e+15} is 450359962737049600 optimizer "
            "steps, more than 2**53",
        ),
        length=(1000, 100),
    ),
    Case(
        "length_group_name_missing",
        "optimization",
        opt(scheduler={"name": "per_group", "groups": {"actor": {"name": "constant"}}}),
        "",
        ("groups ['actor'] match no param group", "named ['default']"),
        length=(1000, 100),
    ),
    Case(
        "length_horizon_warning",
        "scheduler",
        {"name": "cosine_annealing_lr", "T_max": 5},
        "",
        ("cosine_annealing_lr: its decay ends at optimizer step 500 of 1000",),
        length=(1000, 100),
        warning=True,
    ),
]

BY_ID = {case.id: case for case in CASES}


# ---------------------------------------------------------------------- running a case


@dataclass
class Outcome:
    """What running a case gave: the error (or ``None``) and the warnings' messages."""

    error: BaseException | None
    warnings: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "" if self.error is None else str(self.error)


def validate(kind: str, data: Any) -> Any:
    """``data`` validated as a config of ``kind``, as a person would in Python."""
    import nshsched as S

    if kind == "optimization":
        return S.OptimizationConfig.model_validate(data)
    if kind == "scheduler":
        return S.lr_scheduler_registry.construct(data)
    return S.optimizer_registry.construct(data)


def build(config: Any, length: tuple[int, int]) -> None:
    """Build the torch objects of ``config`` for a training of ``length`` on a tiny model."""
    import torch

    import nshsched as S

    total, per_epoch = length
    training = S.TrainingLength(steps_per_epoch=per_epoch, total_steps=total)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    if isinstance(config, S.OptimizationConfig):
        config.build(model, training)
    else:
        config.create_scheduler(torch.optim.SGD(model.parameters(), lr=0.1), training)


def run(case: Case, data: Any = None, *, validator: Any = None) -> Outcome:
    """Run ``case`` (its data, or ``data``: the same read from elsewhere): validate, and
    build it when the case has a training length."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            config = (validator or validate)(case.kind, case.data if data is None else data)
            if case.length is not None:
                build(config, case.length)
        except Exception as e:  # the outcome under test
            return Outcome(e, [str(w.message) for w in caught])
    return Outcome(None, [str(w.message) for w in caught])


def problem_line(message: str, path: str) -> str:
    """The line of ``message`` about ``path`` (without its indent); for a message about
    the whole config (``path`` empty), its last line."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if path:
        found = [line for line in lines if line.startswith(path + ": ")]
        if not found:
            raise AssertionError(f"no line about {path!r} in:\n{message}")
        return found[0]
    return lines[-1]
