"""Load a trained model for inference, at the level asked for."""
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from ..models.decode_heads import DeepSupervisionHead
from ..models.segmentors import DeepSupervisionEncoderDecoder
from ..utils.checkpoint import load_weights, read_checkpoint
from ..utils.errors import ConfigError
from ..utils.launch import load_config
from .pruning import build_segmentor, prune, pruned_config


class _FromConfig:
    """The default of ``load_model``'s ``fast_level``: the config's."""

    def __repr__(self) -> str:
        return "the config's"


FROM_CONFIG = _FromConfig()


def load_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               fast_level: Union[int, None, _FromConfig] = FROM_CONFIG,
               pruned: bool = False,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               **removed) -> nn.Module:
    """A segmentor ready for ``mmseg.apis.inference_model``.

    What ``mmseg.apis.init_model`` gives (the model in eval mode on
    ``device``, ``model.cfg``, ``model.dataset_meta``), except that the
    checkpoint must fit the model exactly (``init_model`` only warns about
    missing or unexpected weights) and the prediction is set here: the
    config's, accurate mode, or fast mode at a level, inside the whole
    model or as the pruned sub-network that ``tools/prune.py`` writes.

    Args:
        config (str | Config): The config (file).
        checkpoint (str, optional): Weights to load strictly; its
            ``meta['dataset_meta']`` gives the classes and palette (else
            the config's test dataset's). Default: random weights.
        fast_level (int, optional): The head's ``fast_level``: ``k`` for
            fast mode at level k (only sub-network k computed), None for
            accurate mode (the mean of the levels the checkpoint's
            ``fusion_weights`` select). Default: the config's
            (``model.decode_head.fast_level``).
        pruned (bool): In fast mode, the pruned sub-network of the level
            as a model of its own (``model.cfg`` is its config), not the
            whole model in fast mode. Default: False.
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``...
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        nn.Module: The segmentor.

    Raises:
        ConfigError: for a level the model does not have, a device that is
            not there, or a keyword this function does not take (one
            line).
        PruningError: for a model that cannot be pruned (``pruned``).
        CheckpointError: for a checkpoint that is missing, unreadable or
            does not fit (one line).
    """
    if removed:
        raise ConfigError(
            f'load_model takes no {", ".join(sorted(removed))}; the '
            'prediction is set by fast_level (None for accurate mode, k '
            'for fast mode at level k)')
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ConfigError(f'device {device}: no CUDA device is available')
    if isinstance(config, Config):
        cfg = config.copy()
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    else:
        cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = build_segmentor(cfg.model)
    meta = {}
    if checkpoint is not None:
        state_dict, meta = read_checkpoint(checkpoint)
        load_weights(model, state_dict, checkpoint)
    if fast_level is not FROM_CONFIG:
        set_prediction(model, fast_level)
    fast_level = getattr(model.decode_head, 'fast_level', None)
    if pruned and fast_level is not None:
        sub_network = prune(cfg.model, model.state_dict(), fast_level,
                            source=checkpoint or 'the model')
        cfg = pruned_config(cfg, sub_network)
        model = build_segmentor(cfg.model)
        model.load_state_dict(sub_network.state_dict)
    model.dataset_meta = meta.get('dataset_meta') or config_dataset_meta(cfg)
    model.cfg = cfg
    return model.to(device).eval()


def set_prediction(model: nn.Module, fast_level: Optional[int]) -> None:
    """Set the head's ``fast_level``: fast mode at level ``k``, or accurate
    mode for None (the fused levels; for a model without deep supervision
    its one prediction).

    Under ``DeepSupervisionEncoderDecoder`` the level is checked against
    the grid too (its ``fast_level``).

    Raises:
        ConfigError: for a level the model does not have.
    """
    if fast_level is not None and (not isinstance(fast_level, int)
                                   or isinstance(fast_level, bool)):
        raise ConfigError(f'fast_level must be None (accurate mode) or a '
                          f'level k, got {fast_level!r}')
    head = model.decode_head
    if not isinstance(head, DeepSupervisionHead):
        if fast_level is None:
            return
        raise ConfigError(f'fast_level {fast_level} needs a '
                          'DeepSupervisionHead, the model has a '
                          f'{type(head).__name__}')
    owner = model if isinstance(model, DeepSupervisionEncoderDecoder) \
        else head
    try:
        owner.fast_level = fast_level
    except ValueError as error:
        raise ConfigError(str(error)) from None


def config_dataset_meta(cfg: Config) -> Optional[dict]:
    """Classes and palette of the config's test dataset (its class's, or
    the subset its ``metainfo`` names), if it names one."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    if dataset.get('type') == 'RepeatDataset':
        dataset = dataset.get('dataset') or {}
    dataset_type = dataset.get('type')
    if not isinstance(dataset_type, str) or dataset_type not in DATASETS:
        return None
    meta = DATASETS.get(dataset_type).METAINFO
    classes = (dataset.get('metainfo') or {}).get('classes')
    if not classes:
        return dict(classes=meta['classes'], palette=meta['palette'])
    colours = dict(zip(meta['classes'], meta['palette']))
    return dict(classes=tuple(classes),
                palette=[colours.get(c, [0, 0, 0]) for c in classes])
