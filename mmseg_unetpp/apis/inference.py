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

Level = Union[int, str, None]


def load_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               level: Level = None,
               pruned: bool = False,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
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
        level (int | str, optional): ``None``: the config's prediction;
            ``'accurate'``: accurate mode (the mean of the fused levels,
            those the checkpoint's ``fusion_weights`` select); ``k``: fast
            mode at level k, only sub-network k computed.
        pruned (bool): With a level k, the pruned sub-network of level k
            as a model of its own (``model.cfg`` is its config), not the
            whole model in fast mode. Default: False.
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``...
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        nn.Module: The segmentor.

    Raises:
        ConfigError: for a level the model does not have or a device that
            is not there (one line).
        PruningError: for a model that cannot be pruned (``pruned``).
        CheckpointError: for a checkpoint that is missing, unreadable or
            does not fit (one line).
    """
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
    if level is not None:
        set_prediction(model, level)
    if pruned and isinstance(level, int):
        sub_network = prune(cfg.model, model.state_dict(), level,
                            source=checkpoint or 'the model')
        cfg = pruned_config(cfg, sub_network)
        model = build_segmentor(cfg.model)
        model.load_state_dict(sub_network.state_dict)
    model.dataset_meta = meta.get('dataset_meta') or config_dataset_meta(cfg)
    model.cfg = cfg
    return model.to(device).eval()


def set_prediction(model: nn.Module, level: Level) -> None:
    """Accurate mode (``'accurate'``: the fused levels; for a model without
    deep supervision its one prediction) or fast mode at level ``k``.

    Under ``DeepSupervisionEncoderDecoder`` the level is checked against
    the grid too (its ``fast_level``).

    Raises:
        ConfigError: for a level the model does not have.
    """
    head = model.decode_head
    if not isinstance(head, DeepSupervisionHead):
        if level == 'accurate':
            return
        raise ConfigError(f'level {level!r} needs a DeepSupervisionHead, '
                          f'the model has a {type(head).__name__}')
    owner = model if isinstance(model, DeepSupervisionEncoderDecoder) \
        else head
    try:
        owner.fast_level = None if level == 'accurate' else level
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
