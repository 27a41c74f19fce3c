"""What a config is: the base class, the open registries, and how configs travel.

- :mod:`~nshsched.config.base` — :class:`~nshsched.Config`, the base class of every config
  (extra keys forbidden, finite and bounded numbers, value equality).
- :mod:`~nshsched.config.registry` — :class:`~nshsched.Registry`, an open discriminated
  union of configs by tag; :mod:`~nshsched.config.hooks` plugs it into pydantic (validation,
  serialization, JSON schema); :mod:`~nshsched.config.tags` — what a tag may be and how an
  unknown one is reported.
- :mod:`~nshsched.config.errors` — :class:`~nshsched.ConfigValidationError`, the one way a
  validation error is shown; :mod:`~nshsched.config.error_cleaning` turns pydantic's
  errors into paths into the input, :mod:`~nshsched.config.error_fixes` writes the fixes.
- :mod:`~nshsched.config.plugins` — configs registered by installed packages (the
  ``nshsched`` entry-point group, ``--import``, ``NSHSCHED_IMPORT``).
- :mod:`~nshsched.config.checkpoint` — configs pickled as plain data, loadable by
  ``torch.load(weights_only=True)``.
"""
