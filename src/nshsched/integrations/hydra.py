"""Hydra: nshsched's presets as a config group, and OmegaConf configs read as plain data.

:func:`register_presets` stores every preset (the shipped ones and those of
``NSHSCHED_PRESETS``) in Hydra's ``ConfigStore`` under one group, so a Hydra application
picks a schedule and overrides any of its values from the command line::

    python train.py lr_schedule=differential lr_schedule.groups.actor.intervals.0.init_lr=1.5e-4

The application turns the composed node into a config with the registry, which reads
``DictConfig``/``ListConfig`` as the plain data they resolve to (interpolations included)::

    schedule = S.lr_scheduler_registry.construct(cfg.lr_schedule)

The same holds for every nshsched config (``S.OptimizationConfig.model_validate(cfg.optim)``)
and for a registry-typed field of any pydantic model. ``hydra-core`` is imported only by
:func:`register_presets` (``pip install ".[hydra]"`` from a checkout).
"""

from __future__ import annotations

from typing import Any

from .. import presets

__all__ = ["register_presets"]


def register_presets(
    group: str = "lr_schedule",
    *,
    dirs: presets.Dirs = None,
    package: str | None = None,
    provider: str = "nshsched",
) -> list[str]:
    """Store every preset in Hydra's ``ConfigStore`` as an option of config group ``group``.

    Call it before Hydra composes (before ``@hydra.main`` runs, or before
    ``initialize``/``compose``). Each preset becomes the option of its name (``constant``,
    ``differential``, ...) holding the preset's scheduler config as written in its file
    (fractions of training, ``name:`` tags), so ``group=name`` selects it and
    ``group.some.key=value`` overrides any value in it.

    Args:
        group: The config group (``lr_schedule`` gives ``cfg.lr_schedule``; a path like
            ``optim/schedule`` nests it).
        dirs: Extra preset directories, searched before ``NSHSCHED_PRESETS`` and the shipped
            presets (as :func:`nshsched.presets.names` takes them).
        package: Hydra's package of the options (default: the group's path).
        provider: Shown by Hydra's ``--info`` as the options' provider.

    Returns:
        The preset names stored, sorted.

    Raises:
        ValueError: ``group`` is empty.
        pydantic.ValidationError: a preset file is not a valid scheduler config (every
            preset is validated before any is stored).

    Example:
        >>> import nshsched as S
        >>> from hydra import compose, initialize
        >>> names = S.hydra.register_presets(group="doc_schedule")
        >>> with initialize(version_base=None, config_path=None):
        ...     cfg = compose(overrides=["+doc_schedule=gentle_decay",
        ...                              "doc_schedule.intervals.0.lr=2e-4"])
        >>> S.lr_scheduler_registry.construct(cfg.doc_schedule).intervals[0].lr
        0.0002
    """
    if not isinstance(group, str) or not group.strip("/ "):
        raise ValueError(f"register_presets: group must be a non-empty config group, got {group!r}")
    from hydra.core.config_store import ConfigStore

    from ..lr_scheduler.base import lr_scheduler_registry

    nodes: dict[str, Any] = {}
    for name in presets.names(dirs):
        data = presets.load_data(name, dirs)
        lr_scheduler_registry.construct(data)  # a broken preset fails here, not in a run
        nodes[name] = data
    store = ConfigStore.instance()
    for name, data in nodes.items():
        store.store(name=name, node=data, group=group, package=package, provider=provider)
    return sorted(nodes)
