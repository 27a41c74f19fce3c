"""Bridges to the libraries users already run nshsched in.

- :mod:`nshsched.integrations.lightning_cli`: nshsched-typed ``__init__`` parameters under
  Lightning's ``LightningCLI`` (jsonargparse); switched on by itself.
- :mod:`nshsched.integrations.hydra`: presets in Hydra's ConfigStore (``nshsched.hydra``).

Each module imports its peer lazily; ``import nshsched`` imports none of them.
"""
