"""Small valid scheduler configs per tag, as hypothesis strategies (data for the differential
tests; the tags themselves come from the registry).

``SAMPLES[tag](draw, ctx)`` draws the fields of a ``tag`` config (without ``name``). ``ctx``
says which warmup unit to use (``None``, ``"steps"``, ``"epochs"``, ``"fraction"``: put into
the schedule's warmup field, joined or its own), the configured group names (``per_group``)
and which optimizer drives it. Values are small so a training of a few dozen steps sees
every phase; counts are ints (scheduler steps) or duration objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from _reference import UnknownTag


@dataclass(frozen=True)
class Ctx:
    unit: str | None = None  # warmup unit
    groups: tuple[str, ...] = ()
    optimizer: str = "adamw"
    nested: bool = False  # inside sequential / per_group / a hyperparameter


def pick(draw, *values):
    return draw(st.sampled_from(values))


def duration(draw) -> dict:
    kind = pick(draw, "steps", "epochs", "fraction")
    if kind == "steps":
        return {"kind": "steps", "value": draw(st.integers(1, 8))}
    if kind == "epochs":
        return {"kind": "epochs", "value": pick(draw, 0.5, 1.0, 1.5, 2.0)}
    return {"kind": "fraction", "value": pick(draw, 0.2, 0.25, 0.4, 0.5, 0.75, 1.0)}


def count(draw, lo: int = 1, hi: int = 4):
    """A count in scheduler steps: an int, or sometimes a duration."""
    if draw(st.integers(0, 2)) == 0:
        return duration(draw)
    return draw(st.integers(lo, hi))


def joined_warmup(draw, ctx: Ctx) -> dict:
    """The joined ``warmup`` duration in the context's unit (or none)."""
    if ctx.unit is None:
        return {}
    if ctx.unit == "steps":
        value: object = {"kind": "steps", "value": draw(st.integers(1, 4))}
    elif ctx.unit == "epochs":
        value = {"kind": "epochs", "value": pick(draw, 0.5, 1.0)}
    else:
        value = {"kind": "fraction", "value": pick(draw, 0.1, 0.2, 0.3)}
    return {"warmup": value}


def own_warmup(draw, ctx: Ctx, field: str = "warmup", hf: bool = False) -> dict:
    """A schedule's own warmup field in the context's unit (HF keywords sometimes)."""
    if ctx.unit is None:
        return {}
    if ctx.unit == "steps":
        n = draw(st.integers(1, 3))
        if hf and draw(st.booleans()):
            return {"num_warmup_steps": n}
        return {field: pick(draw, n, {"kind": "steps", "value": n})}
    if ctx.unit == "epochs":
        return {field: {"kind": "epochs", "value": pick(draw, 0.5, 1.0)}}
    if hf and draw(st.booleans()):
        return {"warmup_ratio": pick(draw, 0.1, 0.15, 0.25)}
    return {field: {"kind": "fraction", "value": pick(draw, 0.1, 0.2, 0.3)}}


def hf_total(draw) -> dict:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return {}
    if choice == 1:
        return {"num_training_steps": draw(st.integers(6, 30))}
    return {"total": pick(draw, draw(st.integers(6, 30)), duration(draw))}


def _momenta(draw, ctx: Ctx) -> dict:
    if ctx.nested:
        return {"cycle_momentum": False}
    if not draw(st.booleans()):
        return {"cycle_momentum": False}
    if ctx.optimizer == "sgd" and draw(st.integers(0, 3)) == 0:
        # torch accepts any finite momentum >= 0 (its own tests use 1 and 22; §11.1)
        low, high = pick(draw, (1.0, 5.0), (1.0, 22.0), (0.5, 1.0))
    else:
        low, high = pick(draw, (0.8, 0.9), (0.85, 0.95), (0.5, 0.99))
    return {"cycle_momentum": True, "base_momentum": low, "max_momentum": high}


def _intervals(draw, absolute: bool) -> dict:
    k = draw(st.integers(1, 3))
    points = sorted(draw(st.lists(st.integers(0, 24), min_size=2 * k, max_size=2 * k, unique=True)))
    out = []
    for i in range(k):
        start, end = points[2 * i], points[2 * i + 1]
        if i == k - 1 and draw(st.booleans()):
            end = {"kind": "fraction", "value": 1.0}
        item = {"start": start, "end": end}
        if absolute:
            item["lr"] = pick(draw, 1e-3, 5e-4, 2e-2, 0.1)
        else:
            item.update(
                init_lr=pick(draw, 1e-3, 2e-2, 0.1),
                decay_rate=pick(draw, 0.5, 0.9),
                decay_interval=draw(st.integers(1, 3)),
            )
        out.append(item)
    return {"intervals": out}


def _timm(draw, ctx: Ctx, cycles: bool) -> dict:
    out: dict = {}
    if draw(st.booleans()):
        out["t_in_epochs"] = draw(st.booleans())
    out.update(own_warmup(draw, ctx, "warmup_t"))
    if "warmup_t" in out:
        out["warmup_lr_init"] = pick(draw, 0.0, 1e-5)
        out["warmup_prefix"] = draw(st.booleans())
    if cycles:
        out["t_initial"] = count(draw, 2, 5)
        out["lr_min"] = pick(draw, 0.0, 1e-5)
        out["cycle_mul"] = pick(draw, 1.0, 1.0, 2.0, 0.5)
        out["cycle_decay"] = pick(draw, 1.0, 0.5)
        out["cycle_limit"] = draw(st.integers(1, 3))
    return out


def _cosine_pair(draw, ctx: Ctx, w_field: str, t_field: str) -> dict:
    """A warmup (in the context's unit, else 0..2) and an end counted from step 0."""
    out: dict = {w_field: draw(st.integers(0 if ctx.unit is None else 1, 2))}
    out.update(own_warmup(draw, ctx, w_field))
    w = out[w_field] if isinstance(out[w_field], int) else 2
    out[t_field] = w + draw(st.integers(1, 4))
    if draw(st.booleans()):
        out[t_field] = pick(
            draw, {"kind": "fraction", "value": 1.0}, {"kind": "epochs", "value": 3}
        )
    return out


SAMPLES = {
    "constant": lambda draw, ctx: {},
    "constant_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "factor": pick(draw, 0.25, 0.5),
        "total_iters": count(draw),
    },
    "constant_with_warmup": lambda draw, ctx: own_warmup(draw, ctx, hf=True),
    "cosine": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **hf_total(draw),
        "num_cycles": pick(draw, 0.5, 0.5, 1.0, 0.25),
    },
    "linear": lambda draw, ctx: {**own_warmup(draw, ctx, hf=True), **hf_total(draw)},
    "cosine_with_restarts": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **hf_total(draw),
        "num_cycles": draw(st.integers(1, 3)),
    },
    "cosine_with_min_lr": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **hf_total(draw),
        **pick(draw, {"min_lr_rate": 0.1}, {"min_lr": 1e-4}, {"min_lr": 0.0}),
    },
    "cosine_warmup_with_min_lr": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **hf_total(draw),
        **pick(draw, {"min_lr_rate": 0.1}, {"min_lr": 1e-4}),
        **pick(draw, {}, {"warmup_lr_rate": 0.2}),
    },
    "polynomial": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **hf_total(draw),
        "lr_end": pick(draw, 1e-7, 1e-4, 0.0),
        "power": pick(draw, 1.0, 2.0, 0.5),
    },
    "inverse_sqrt": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        **pick(draw, {}, {"timescale": draw(st.integers(1, 5))}),
    },
    "warmup_stable_decay": lambda draw, ctx: {
        **own_warmup(draw, ctx, hf=True),
        "decay": count(draw, 1, 4),
        **pick(draw, {}, {"stable": draw(st.integers(0, 4))}),
        "warmup_type": pick(draw, "linear", "cosine", "1-sqrt"),
        "decay_type": pick(draw, "linear", "cosine", "1-sqrt"),
        "min_lr_ratio": pick(draw, 0.0, 0.1),
    },
    "step_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "step_size": count(draw, 1, 3),
        "gamma": pick(draw, 0.5, 0.1),
    },
    "multi_step_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "milestones": sorted(
            draw(st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True))
        ),
        "gamma": pick(draw, 0.5, 0.1),
    },
    "exponential_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "gamma": pick(draw, 0.5, 0.8, 0.95),
    },
    "cosine_annealing_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "T_max": count(draw, 1, 5),
        "eta_min": pick(draw, 0.0, 1e-4),
    },
    "cosine_annealing_warm_restarts": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "T_0": count(draw, 1, 3),
        "T_mult": pick(draw, 1, 2),
        "eta_min": pick(draw, 0.0, 1e-4),
    },
    "polynomial_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "total_iters": count(draw, 1, 5),
        "power": pick(draw, 1.0, 2.0, 0.5),
    },
    "linear_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "start_factor": pick(draw, 0.25, 1.0, 0.5),
        "end_factor": pick(draw, 1.0, 0.0, 0.5),
        "total_iters": count(draw, 1, 5),
    },
    "one_cycle_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "max_lr": pick(draw, 0.01, 0.1),
        **pick(draw, {}, {"total_steps": draw(st.integers(4, 12))}),
        "pct_start": pick(draw, 0.3, 0.5),
        "anneal_strategy": pick(draw, "cos", "linear"),
        "div_factor": pick(draw, 25.0, 10.0),
        "final_div_factor": pick(draw, 1e4, 100.0),
        "three_phase": draw(st.booleans()),
        **_momenta(draw, ctx),
    },
    "cyclic_lr": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "base_lr": pick(draw, 1e-4, 1e-3),
        "max_lr": pick(draw, 1e-2, 5e-2),
        "step_size_up": count(draw, 1, 4),
        **pick(draw, {}, {"step_size_down": draw(st.integers(1, 4))}),
        **pick(
            draw,
            {"mode": "triangular"},
            {"mode": "triangular2"},
            {"mode": "exp_range", "gamma": 0.9},
        ),
        **_momenta(draw, ctx),
    },
    "step_decay": lambda draw, ctx: {**joined_warmup(draw, ctx), **_intervals(draw, True)},
    "exponential_decay": lambda draw, ctx: {**joined_warmup(draw, ctx), **_intervals(draw, False)},
    "linear_warmup_cosine_decay": lambda draw, ctx: {
        **_cosine_pair(draw, ctx, "warmup_duration", "max_duration"),
        "warmup_start_lr_factor": pick(draw, 0.0, 0.1),
        "min_lr_factor": pick(draw, 0.0, 0.1),
        "annealing": draw(st.booleans()),
    },
    "warmup_cosine": lambda draw, ctx: {
        **_cosine_pair(draw, ctx, "warmup_epochs", "T_max"),
        "eta_min": pick(draw, 0.0, 1e-4),
    },
    "linear_warmup_cosine_annealing": lambda draw, ctx: {
        **_cosine_pair(draw, ctx, "warmup_epochs", "max_epochs"),
        "warmup_start_lr": pick(draw, 0.0, 1e-4),
        "eta_min": pick(draw, 0.0, 1e-5),
    },
    "reduce_lr_on_plateau": lambda draw, ctx: {
        **joined_warmup(draw, ctx),
        "monitor": "metric",
        "patience": 1000,
        "factor": pick(draw, 0.1, 0.5),
    },
    "timm_cosine": lambda draw, ctx: {**_timm(draw, ctx, True), "k_decay": pick(draw, 1.0, 2.0)},
    "timm_poly": lambda draw, ctx: {
        **_timm(draw, ctx, True),
        "power": pick(draw, 0.5, 2.0),
        "k_decay": pick(draw, 1.0, 0.5),
    },
    "timm_tanh": lambda draw, ctx: {
        **_timm(draw, ctx, True),
        **pick(draw, {}, {"lb": -5.0, "ub": 4.0}),
    },
    "timm_step": lambda draw, ctx: {
        **_timm(draw, ctx, False),
        "decay_t": pick(draw, 1, 2, 1.5, 3),
        "decay_rate": pick(draw, 0.5, 0.1),
    },
    "timm_multistep": lambda draw, ctx: {
        **_timm(draw, ctx, False),
        "decay_t": sorted(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True))),
        "decay_rate": pick(draw, 0.5, 0.1),
    },
}

# Tags that can be a phase, a per_group child, a group's own schedule or a hyperparameter.
CLOSED_FORM_POOL = sorted(set(SAMPLES) - {"reduce_lr_on_plateau"})
HYPER_REFUSED = {"step_decay", "exponential_decay", "linear_warmup_cosine_annealing"}


def overrides(draw, tag: str) -> dict:
    """``interval`` / ``frequency`` overrides (not on the composites or plateau)."""
    if tag in ("sequential", "per_group", "reduce_lr_on_plateau"):
        return {}
    out: dict = {}
    if draw(st.integers(0, 2)) == 0:
        out["interval"] = pick(draw, "step", "epoch")
    if draw(st.integers(0, 2)) == 0:
        out["frequency"] = pick(draw, 2, 3)
    return out


def schedule(draw, ctx: Ctx, pool=CLOSED_FORM_POOL) -> dict:
    """A nested schedule (a phase, a per_group child, a group's own, a hyperparameter's),
    with its own interval / frequency sometimes."""
    tag = draw(st.sampled_from(pool))
    return {"name": tag, **SAMPLES[tag](draw, replace(ctx, nested=True)), **overrides(draw, tag)}


def _sequential(draw, ctx: Ctx) -> dict:
    k = draw(st.integers(2, 3))
    phases = []
    for i in range(k):
        phase: dict = {"schedule": schedule(draw, replace(ctx, unit=pick(draw, None, "steps")))}
        if i < k - 1 or draw(st.booleans()):
            phase["duration"] = pick(
                draw, draw(st.integers(2, 6)), {"kind": "fraction", "value": 0.25}
            )
        phases.append(phase)
    return {**joined_warmup(draw, ctx), "phases": phases}


def _per_group(draw, ctx: Ctx) -> dict:
    """Children: closed-form schedules, ``None``, and sometimes plateau (docs: allowed)."""
    inner = replace(ctx, unit=pick(draw, None, "steps"))
    pool = [*CLOSED_FORM_POOL, "reduce_lr_on_plateau"]

    def child() -> dict | None:
        return pick(draw, None, "draw") and schedule(draw, inner, pool)

    listed = draw(st.lists(st.sampled_from(ctx.groups), unique=True)) if ctx.groups else []
    return {"default": child(), "groups": {g: child() for g in listed}}


SAMPLES["sequential"] = _sequential
SAMPLES["per_group"] = _per_group


def sample(tag: str):
    """The sample strategy of ``tag``: a registered tag without one fails, saying so."""
    if tag not in SAMPLES:
        raise UnknownTag("scheduler tag (no sample config in tests/_differential_samples.py)", tag)
    return SAMPLES[tag]
