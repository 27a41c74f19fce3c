"""One plain sentence describing a config class: what ``nshsched list`` prints.

Built-in configs have a hand-written sentence that describes the schedule or optimizer
(where a config comes from is in its docstring and the docs, not here). A user's class gets
the first sentence of its docstring, with reStructuredText markup removed, or its
``__summary__`` attribute when it sets one.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["BUILTIN_SUMMARIES", "summary"]

BUILTIN_SUMMARIES: dict[str, str] = {
    # schedulers
    "constant": "Keeps every group at its base learning rate.",
    "constant_lr": "Multiplies the learning rate by a constant factor for a number of steps, then restores it.",
    "constant_with_warmup": "Rises linearly from zero, then holds the base learning rate.",
    "cosine": "Rises linearly from zero, then follows a cosine down to zero at the end.",
    "cosine_annealing_lr": "Follows a cosine from the base learning rate down to a minimum, then back up.",
    "cosine_annealing_warm_restarts": "Repeats cosine decays that restart at the base learning rate, each cycle longer.",
    "cosine_warmup_with_min_lr": "Rises from a small value, then follows a cosine down to a floor one step before the end.",
    "cosine_with_min_lr": "Rises linearly from zero, then follows a cosine down to a floor.",
    "cosine_with_restarts": "Rises linearly from zero, then repeats cosine decays to zero that restart at the top.",
    "cyclic_lr": "Cycles between a lower and an upper learning rate in triangles.",
    "exponential_decay": "Decays exponentially in stairs within each interval of steps.",
    "exponential_lr": "Multiplies the learning rate by the same factor at every step.",
    "inverse_sqrt": "Rises linearly from zero, then decays as one over the square root of the step.",
    "linear": "Rises linearly from zero, then falls linearly to zero at the end.",
    "linear_lr": "Moves the multiplier linearly from a start factor to an end factor.",
    "linear_warmup_cosine_annealing": "Rises linearly from a starting rate, then follows a cosine down to a minimum rate.",
    "linear_warmup_cosine_decay": "Rises linearly from a fraction of the base rate, then follows a cosine down to a floor.",
    "multi_step_lr": "Multiplies the learning rate by a factor at each milestone.",
    "one_cycle_lr": "Rises to a peak, then anneals far below the starting rate, in one cycle.",
    "per_group": "Gives each parameter group its own schedule.",
    "polynomial": "Rises linearly from zero, then decays polynomially to a final rate.",
    "polynomial_lr": "Decays polynomially to zero over a number of steps.",
    "reduce_lr_on_plateau": "Cuts the learning rate when a monitored metric stops improving.",
    "sequential": "Runs several schedules one after another.",
    "step_decay": "Sets fixed learning rates on intervals of steps.",
    "step_lr": "Multiplies the learning rate by a factor at regular intervals.",
    "timm_cosine": "Cosine decay to a floor in cycles, with a warmup and restarts, counted in epochs or steps.",
    "timm_multistep": "Multiplies the learning rate by a factor at each milestone, after a warmup.",
    "timm_poly": "Polynomial decay to a floor in cycles, with a warmup and restarts.",
    "timm_step": "Multiplies the learning rate by a factor at regular intervals, after a warmup.",
    "timm_tanh": "Hyperbolic-tangent decay to a floor in cycles, with a warmup and restarts.",
    "warmup_cosine": "Rises linearly from zero, then follows a cosine down to a minimum and stays there.",
    "warmup_stable_decay": "Rises, holds the base learning rate, then decays to a floor.",
    # optimizers
    "adadelta": "Adadelta: per-parameter step sizes from running averages of updates and gradients.",
    "adafactor": "Adafactor: a memory-light Adam with a factored second moment.",
    "adagrad": "Adagrad: per-parameter step sizes shrinking with the sum of squared gradients.",
    "adam": "Adam: adaptive moments of the gradient.",
    "adamax": "Adamax: Adam with the infinity norm.",
    "adamw": "AdamW: Adam with decoupled weight decay.",
    "asgd": "Averaged stochastic gradient descent.",
    "lbfgs": "L-BFGS: a limited-memory quasi-Newton method for full-batch training.",
    "muon": "Muon: momentum orthogonalized by Newton-Schulz iterations, for 2-D weights.",
    "nadam": "NAdam: Adam with Nesterov momentum.",
    "radam": "RAdam: Adam with a rectified adaptive term.",
    "rmsprop": "RMSprop: steps scaled by a running average of squared gradients.",
    "rprop": "Rprop: resilient backpropagation on the signs of full-batch gradients.",
    "schedule_free_adamw": "Schedule-free AdamW: averages its iterates instead of decaying the learning rate.",
    "schedule_free_radam": "Schedule-free RAdam: averaged iterates, no warmup or decay needed.",
    "schedule_free_sgd": "Schedule-free SGD: averages its iterates instead of decaying the learning rate.",
    "sgd": "Stochastic gradient descent, optionally with (Nesterov) momentum.",
    "sparse_adam": "Adam for sparse gradients, such as sparse embeddings.",
}
"""The sentence of every built-in tag (a test checks each built-in has one)."""

_ROLE = re.compile(r":(?:math|class|meth|func|attr|mod|obj|data):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")
_ORIGIN = re.compile(r"^\s*(?:HF|torch|timm)\s+``[^`]+``(?:\s*\([^)]*\))?\s*:\s*")


def summary(cls: type) -> str:
    """One plain sentence describing the config class ``cls``.

    Example:
        >>> import nshsched as S
        >>> from nshsched.cli._summary import summary
        >>> summary(S.lr_scheduler_registry.get("linear"))
        'Rises linearly from zero, then falls linearly to zero at the end.'
    """
    own = cls.__dict__.get("__summary__")
    if isinstance(own, str) and own.strip():
        return own.strip()
    tag = _tag(cls)
    if tag in BUILTIN_SUMMARIES and cls.__module__.startswith("nshsched."):
        return BUILTIN_SUMMARIES[tag]
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    first = " ".join(doc.split("\n\n", 1)[0].split())
    if not first:
        return ""
    first = _ORIGIN.sub("", first)
    first = _ROLE.sub(lambda m: m.group(1), first)
    first = _LITERAL.sub(lambda m: m.group(1), first)
    m = re.search(r"(?<=[.!?])\s", first)
    sentence = first[: m.start()] if m else first
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def _tag(cls: type) -> str | None:
    fields = getattr(cls, "model_fields", {})
    name = fields.get("name")
    default = getattr(name, "default", None)
    return default if isinstance(default, str) else None
