"""From a model's parameters to the optimizer's param groups, and everything on top of them.

- :mod:`~nshsched.groups.optimization` — :class:`~nshsched.OptimizationConfig` and
  :class:`~nshsched.ParamGroupConfig`: an optimizer, a schedule and groups; ``build`` and
  ``configure_optimizers``.
- :mod:`~nshsched.groups.partition` — parameters into torch param groups (globs, no weight
  decay, layer-decay parts); names come from :mod:`~nshsched.groups.naming` (wrappers looked
  through) and scales from :mod:`~nshsched.groups.layer_decay`.
- :mod:`~nshsched.groups.hyperparameters` — schedules of param-group values beyond the LR.
- :mod:`~nshsched.groups.several` — :class:`~nshsched.OptimizersConfig`, one optimization per
  submodule.
- :mod:`~nshsched.groups.describe` and :mod:`~nshsched.groups.preview` — the groups as a
  table, and their values at every step, without training.
"""
