"""Bridges to the libraries users already run nshsched in.

- :mod:`~nshsched.integrations.lightning_cli` — nshsched-typed ``__init__`` parameters under
  Lightning's ``LightningCLI`` (jsonargparse); switched on by itself.
- :mod:`~nshsched.integrations.hydra` — presets in Hydra's ConfigStore (``nshsched.hydra``).
- :mod:`~nshsched.integrations.lr_finder` — :func:`~nshsched.lr_find`, an LR range test in a
  Lightning fit.
- :mod:`~nshsched.integrations.peers` — what nshsched switches on when a peer is imported
  (torch's checkpoint allowlist, the LightningCLI adapter).

Each module imports its peer lazily; ``import nshsched`` imports none of them.
"""
