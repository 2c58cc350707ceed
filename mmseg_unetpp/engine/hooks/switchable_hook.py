"""The base of this package's hooks (registered by name, switched off by
name) and the model they look at."""
from typing import Optional

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from ...models.segmentors import DeepSupervisionEncoderDecoder


def _skip(*args, **kwargs) -> None:
    """What a switched-off hook does at every stage: nothing."""


class SwitchableHook(Hook):
    """A hook that a config switches off with ``enabled=False``.

    This package's hooks are named entries of ``default_hooks`` (see
    ``configs/_base_/default_runtime.py``), a dict that a child config
    merges key by key, so a user's own ``custom_hooks`` list never drops
    them. MMEngine (up to 0.10.7 at least) removes a default hook given as
    ``None`` only for the six names it knows (``timer``, ``logger``...) and
    asserts on ``None`` for any other key; these hooks are therefore
    switched off with their own argument::

        default_hooks = dict(data_check=dict(enabled=False))
        # or: --cfg-options default_hooks.data_check.enabled=False

    A switched-off hook stays registered (with its priority) but does
    nothing at any stage.

    Args:
        enabled (bool): Run the hook. Default: True.
    """

    def __init__(self, enabled: bool = True) -> None:
        if not isinstance(enabled, bool):
            raise ValueError(f'{type(self).__name__}: enabled must be True '
                             f'or False, got {enabled!r}')
        self.enabled = enabled
        if not enabled:
            for stage in Hook.stages:
                setattr(self, stage, _skip)


def unwrap_model(model: nn.Module, tta: bool = False) -> nn.Module:
    """The model inside DDP (or another MMEngine model wrapper) and, with
    ``tta``, inside a TTA model, as MMEngine's ``load_state_dict`` reaches
    it."""
    while is_model_wrapper(model) or (tta and isinstance(model,
                                                         BaseTTAModel)):
        model = model.module
    return model


def deep_supervision_segmentor(
        runner) -> Optional[DeepSupervisionEncoderDecoder]:
    """The runner's model if it is a ``DeepSupervisionEncoderDecoder``
    (the segmentor that predicts every level), else None."""
    model = unwrap_model(runner.model)
    return model if isinstance(model, DeepSupervisionEncoderDecoder) else None
