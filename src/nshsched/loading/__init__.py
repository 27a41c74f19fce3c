"""Reading what users write, safely, and quoting it back.

- :mod:`~nshsched.loading.yaml_files` / :mod:`~nshsched.loading.json_files` — config files
  read as plain data with a safe loader, within :mod:`~nshsched.loading.limits`.
- :mod:`~nshsched.loading.containers` — OmegaConf ``DictConfig``/``ListConfig`` as plain data.
- :mod:`~nshsched.loading.quote` — user input quoted in messages, bounded in length.
- :mod:`~nshsched.loading.warn` — warnings attributed to the user's line.

Nothing here imports another part of nshsched.
"""
