"""The runtime: the one path from "optimizer step" to "the value each param group gets".

- :mod:`~nshsched.runtime.clock` — a closed-form config's curve over optimizer steps
  (interval, frequency, the generic warmup): the only place that converts units.
- :mod:`~nshsched.runtime.plan` — a config, a training length and the optimizer's groups
  compiled into targets (group, key, curve); :mod:`~nshsched.runtime.hyper` — the targets of
  other param-group keys; :mod:`~nshsched.runtime.checks` — the horizon and finiteness
  checks a schedule passes when it is built.
- :mod:`~nshsched.runtime.scheduler` / :mod:`~nshsched.runtime.plateau` — the torch
  scheduler objects that write a plan into the param groups, in place.
- :mod:`~nshsched.runtime.resume` — the fingerprint of a resolved schedule and the
  ``on_resume_change`` policy.
- :mod:`~nshsched.runtime.dicts` — Lightning's scheduler dicts.

:func:`nshsched.preview` evaluates the same plan vectorised. Only ``scheduler``, ``plateau``
and ``dicts`` import torch. The runtime imports no config class: it reads configs through
their methods and ``runtime_kind``, so the configs (whose ``create_scheduler`` delegates
here) sit below nothing that imports them back — no import circle.
"""
