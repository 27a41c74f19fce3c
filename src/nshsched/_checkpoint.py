"""Where the second release's checkpoints name their rebuild function (under plain
``pickle``; ``torch.load(weights_only=True)`` resolves that name by itself): see
:mod:`nshsched.config.checkpoint`."""

from .config.checkpoint import rebuild

__all__ = ["rebuild"]
