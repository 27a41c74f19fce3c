"""Helpers shared by the tests, one module a concept.

- ``stepping`` — optimizers with one group per LR, and the LRs a scheduler writes as it is
  stepped (by hand, or as Lightning steps its dicts).
- ``resume`` — the resume harness (build, step, ``state_dict``, fresh build,
  ``load_state_dict``, compare the next values) and the plain-data check of a state.
- ``lightning`` — quiet CPU ``Trainer`` set-ups for tiny fits, data, logged LRs.
- ``processes`` — fresh interpreters: the ``nshsched`` command, Python snippets, scripts.
- ``lanes`` — which CI lane runs the suite; peers that exist in one lane only (timm).
"""
