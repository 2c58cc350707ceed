"""Pruned export: the sub-network of level k as a model of its own.

A UNet++ trained with deep supervision holds every sub-network X(0, 1) ..
X(0, L). The sub-network of level k is the nodes with ``i + j <= k`` and
the head branch on X(0, k); fast mode computes only those. This module
writes that sub-network as a config and a state dict of its own, so that a
deployed model carries no weight it does not use:

- ``UNetPlusPlus`` backbone: ``num_stages = k + 1``. A stand-alone
  ``UNetPlusPlus(num_stages=k+1)`` is exactly the grid's nodes with
  ``i + j <= k`` (the encoder rows below k are dropped too), under the same
  parameter keys.
- ``UNetPlusPlusNeck`` over another encoder: the neck takes the first
  ``k + 1`` encoder rows, which makes it exactly the nested nodes with
  ``i + j <= k``. The encoder returns those rows (``out_indices``); an
  encoder whose stage i depends only on its stages <= i (MMSeg's ResNet
  family and MiT, ``EfficientNetLite``) is also cut after the stage of
  row k. Otherwise the whole encoder is kept.
- ``DeepSupervisionHead``: branch k alone (``decode_head.branches.0``), in
  fast mode at level k.

Every pruned model is checked against the full model's fast-mode
prediction on a random input before it is returned; an encoder cut that
does not reproduce it falls back to the whole encoder.
"""
import copy
import io
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmseg.models.backbones import MixVisionTransformer, ResNet
from mmseg.registry import MODELS

from ..models.backbones import EfficientNetLite, UNetPlusPlus
from ..models.decode_heads import DeepSupervisionHead
from ..models.segmentors import DeepSupervisionEncoderDecoder
from ..utils.checkpoint.fit import (
    FUSION_KEY,
    compare_state_dicts,
    load_weights,
)
from ..utils.errors import UserError
from .segmentor_logits import SegmentorLogits

# How the encoder of a pruned model was made (``PrunedModel.encoder``):
# the UNet++ grid's rows 0..k, an encoder cut to its first k + 1 stages
# (rows 0..k), or the whole encoder.
ENCODER_ROWS = 'rows'
ENCODER_CUT = 'cut'
ENCODER_WHOLE = 'whole'
ENCODER_DESCRIPTIONS = {
    ENCODER_ROWS: "the UNet++ grid's rows 0..{k}",
    ENCODER_CUT: 'the encoder cut to its first {stages} stages',
    ENCODER_WHOLE: 'the whole encoder',
}
BRANCH_PREFIX = 'decode_head.branches.'
# Checkpoint meta entries a pruned checkpoint keeps.
KEPT_META = ('dataset_meta', 'epoch', 'iter')


class PruningError(UserError, ValueError):
    """A level or model that cannot be pruned as asked."""


@dataclass
class PrunedModel:
    """The sub-network of one level as a model of its own.

    Attributes:
        level (int): The level k.
        model_cfg (ConfigDict): Its ``model`` config (fast mode, level k).
        state_dict (dict[str, Tensor]): Its weights, taken from the full
            model's without a copy.
        encoder (str): How its encoder was made: ``ENCODER_ROWS``,
            ``ENCODER_CUT`` or ``ENCODER_WHOLE``.
    """
    level: int
    model_cfg: ConfigDict
    state_dict: Dict[str, torch.Tensor]
    encoder: str


def describe_levels(levels: Sequence[int]) -> str:
    """``'1..4'`` for consecutive levels, else the list."""
    levels = sorted(levels)
    if levels == list(range(levels[0], levels[-1] + 1)):
        return f'{levels[0]}..{levels[-1]}'
    return str(levels)


def describe_encoder(encoder: str, level: int) -> str:
    """``"the encoder cut to its first 3 stages"`` for ``ENCODER_CUT`` at
    level 2."""
    return ENCODER_DESCRIPTIONS[encoder].format(k=level, stages=level + 1)


def build_segmentor(model_cfg: ConfigDict) -> nn.Module:
    """The segmentor of ``model_cfg`` on the CPU in eval mode, without
    pretrained initialisation (its weights come from a checkpoint)."""
    model = MODELS.build(_without_pretrained(model_cfg))
    return model.cpu().eval()


def prune(model_cfg: ConfigDict,
          state_dict: Mapping[str, torch.Tensor],
          level: int,
          verify: bool = True,
          source: str = 'the checkpoint') -> PrunedModel:
    """The sub-network of ``level`` as a model of its own.

    Args:
        model_cfg (ConfigDict): The full model's config (``cfg.model``) with
            a ``DeepSupervisionHead`` and a ``UNetPlusPlus`` backbone or a
            ``UNetPlusPlusNeck``.
        state_dict (Mapping[str, Tensor]): The full model's weights; they
            must fit ``model_cfg`` exactly.
        level (int): The level k, one of the head's levels.
        verify (bool): Check the pruned model against the full model's
            fast-mode logits on a random input (and fall back from an
            encoder cut that does not match them). Default: True.
        source (str): What the weights are called in error messages.

    Returns:
        PrunedModel: config, weights and how the encoder was made.

    Raises:
        PruningError: for a level outside the model's levels or a model
            without a prunable grid.
        CheckpointMismatchError: for weights that do not fit.
    """
    full = build_segmentor(model_cfg)
    if (not isinstance(full, DeepSupervisionEncoderDecoder)
            or full.grid is None):
        raise PruningError(
            'pruning needs a DeepSupervisionEncoderDecoder with a '
            'UNetPlusPlus backbone or a UNetPlusPlusNeck, got '
            f'{type(full).__name__} with backbone '
            f'{type(full.backbone).__name__} and neck '
            f'{type(getattr(full, "neck", None)).__name__}')
    head = full.decode_head
    if level not in head.levels:
        raise PruningError(f'level {level} is outside the model\'s levels '
                           f'{describe_levels(head.levels)}')
    load_weights(full, state_dict, source)
    try:
        full.fast_level = level
    except ValueError as error:  # e.g. skip_mode='plain' below L
        raise PruningError(f'fast mode at level {level}: {error}') from None
    branch = head.levels.index(level)
    candidates = _candidates(model_cfg, full, level, branch)
    sample = _random_input(model_cfg, full) if verify else None
    reasons = []
    for index, (cfg, encoder) in enumerate(candidates):
        try:
            pruned = build_segmentor(cfg)
        except Exception as error:  # an encoder that cannot be cut so
            if index == len(candidates) - 1:
                raise
            reasons.append(f'{describe_encoder(encoder, level)} does not '
                           f'build ({type(error).__name__}: {error})')
            continue
        weights = _take_weights(pruned, state_dict, branch)
        if weights is None:
            reasons.append(f'with {describe_encoder(encoder, level)} the '
                           "weights are not the full model's")
            continue
        pruned.load_state_dict(weights, strict=True)
        if sample is not None and not _same_logits(full, pruned, sample):
            reasons.append(f'with {describe_encoder(encoder, level)} the '
                           "prediction differs from the full model's")
            continue
        return PrunedModel(level, cfg, weights, encoder)
    raise PruningError(f'cannot prune to level {level}: ' +
                       '; '.join(reasons))


def pruned_config(cfg: Config, pruned: PrunedModel) -> Config:
    """The whole config (data, evaluators, ...) with the pruned model; its
    ``custom_imports`` import this package."""
    cfg = copy.deepcopy(cfg)
    cfg.model = pruned.model_cfg
    cfg.load_from = None
    cfg.resume = False
    imports = cfg.get('custom_imports', dict(imports=[]))
    names = list(imports.get('imports', []))
    if 'mmseg_unetpp' not in names:
        names.append('mmseg_unetpp')
    cfg.custom_imports = dict(imports=names, allow_failed_imports=False)
    return cfg


def weights_checkpoint(state_dict: Mapping[str, torch.Tensor],
                       meta: Optional[dict] = None,
                       level: Optional[int] = None) -> dict:
    """A checkpoint of weights only: ``state_dict`` and the source
    checkpoint's ``dataset_meta``, ``epoch`` and ``iter`` (no optimizer,
    no message hub); ``meta['pruned_level']`` for a pruned model."""
    meta = {k: v for k, v in (meta or {}).items() if k in KEPT_META}
    if level is not None:
        meta['pruned_level'] = level
    return dict(meta=meta, state_dict=dict(state_dict))


def checkpoint_bytes(checkpoint: dict) -> int:
    """The size of ``checkpoint`` written with ``torch.save``, in bytes."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getbuffer().nbytes


def _without_pretrained(model_cfg: ConfigDict) -> ConfigDict:
    """A copy of ``model_cfg`` whose backbone loads no pretrained weights."""
    model_cfg = copy.deepcopy(model_cfg)
    model_cfg.pop('pretrained', None)
    backbone = model_cfg.backbone
    backbone.init_cfg = None
    if isinstance(backbone.get('pretrained'), bool):
        backbone.pretrained = False
    elif 'pretrained' in backbone:
        backbone.pretrained = None
    return model_cfg


def _candidates(model_cfg: ConfigDict, full: nn.Module, level: int,
                branch: int) -> List[Tuple[ConfigDict, str]]:
    """Pruned model configs to try, best first, with their encoder kind."""
    cfg = _without_pretrained(model_cfg)
    cfg.pop('auxiliary_head', None)  # a training aid on the full encoder
    cfg.decode_head = _pruned_head(cfg.decode_head, full.decode_head, level,
                                   branch)
    rows = level + 1
    if isinstance(full.backbone, UNetPlusPlus):
        backbone = cfg.backbone
        backbone.num_stages = rows
        for key in ('stage_channels', 'channel_multipliers'):
            if backbone.get(key) is not None:
                backbone[key] = list(backbone[key])[:rows]
        return [(cfg, ENCODER_ROWS)]
    cfg.neck.in_channels = list(full.neck.decoder.encoder_channels)[:rows]
    if isinstance(cfg.neck.get('channels'), (list, tuple)):
        cfg.neck.channels = list(cfg.neck.channels)[:level]
    out_indices = getattr(full.backbone, 'out_indices', None)
    if out_indices is None:
        raise PruningError(
            f'the backbone {type(full.backbone).__name__} has no '
            f'out_indices to return only the first {rows} encoder rows')
    out_indices = sorted(out_indices)[:rows]
    whole = copy.deepcopy(cfg)
    whole.backbone.out_indices = out_indices
    candidates = [(whole, ENCODER_WHOLE)]
    cut = _cut_encoder(full.backbone, max(out_indices) + 1)
    if cut is not None:
        cut_cfg = copy.deepcopy(whole)
        cut_cfg.backbone.update(cut)
        candidates.insert(0, (cut_cfg, ENCODER_CUT))
    return candidates


def _cut_encoder(backbone: nn.Module, num_stages: int) -> Optional[dict]:
    """Backbone arguments that build only stages 0..num_stages-1, for the
    encoders known to compute stage i from stages <= i only; else None."""
    if isinstance(backbone, ResNet):
        if backbone.plugins or backbone.multi_grid:
            return None  # both change with the position of the last stage
        return dict(
            num_stages=num_stages,
            strides=list(backbone.strides)[:num_stages],
            dilations=list(backbone.dilations)[:num_stages],
            stage_with_dcn=list(backbone.stage_with_dcn)[:num_stages],
            frozen_stages=min(backbone.frozen_stages, num_stages))
    if isinstance(backbone, MixVisionTransformer):
        # Stochastic depth is spread over fewer layers (training only).
        cut = {
            key: list(getattr(backbone, key))[:num_stages]
            for key in ('num_layers', 'num_heads', 'patch_sizes', 'strides',
                        'sr_ratios')
        }
        return dict(num_stages=num_stages, **cut)
    if isinstance(backbone, EfficientNetLite):
        # out_indices already stop the network after the last output.
        return dict(frozen_stages=min(backbone.frozen_stages, num_stages))
    return None


def _pruned_head(head_cfg: ConfigDict, head: DeepSupervisionHead,
                 level: int, branch: int) -> ConfigDict:
    """Branch ``branch`` (on X(0, level)) alone, in fast mode."""
    head_cfg = copy.deepcopy(head_cfg)
    head_cfg.pop('share_branch', None)
    head_cfg.update(
        in_channels=head.branches[branch].in_channels,
        in_index=[head.in_index[branch]],
        loss_weights=[head.loss_weights[branch]],
        fast_level=level)
    return head_cfg


def _take_weights(pruned: nn.Module, state_dict: Mapping[str, torch.Tensor],
                  branch: int) -> Optional[Dict[str, torch.Tensor]]:
    """The full model's tensor for each of ``pruned``'s keys (branch 0 of
    the pruned head is branch ``branch`` of the full head); None when they
    do not fill ``pruned`` (:func:`compare_state_dicts`)."""
    own = pruned.state_dict()
    weights = {}
    for key in own:
        source = key
        if key.startswith(BRANCH_PREFIX + '0.'):
            source = f'{BRANCH_PREFIX}{branch}.' + key[len(BRANCH_PREFIX) +
                                                      2:]
        if source in state_dict:
            weights[key] = state_dict[source]
    weights[FUSION_KEY] = own[FUSION_KEY]  # one branch: nothing to average
    if not compare_state_dicts(weights, own).fills_model:
        return None
    return {**own, **weights}  # BN counters it lacks: the pruned model's


def _random_input(model_cfg: ConfigDict, full: nn.Module) -> torch.Tensor:
    """A (1, C, H, W) random image (0..255, as loaded) of odd sizes large
    enough for the model."""
    channels = model_cfg.backbone.get('in_channels', 3)
    if not isinstance(channels, int):
        channels = 3
    side = 2**(full.grid.num_levels + 2)
    generator = torch.Generator().manual_seed(0)
    return 255 * torch.rand(
        1, channels, side + 3, side + 13, generator=generator)


def _same_logits(full: nn.Module, pruned: nn.Module,
                 x: torch.Tensor) -> bool:
    """Whether both models give the same fast-mode logits for ``x``."""
    with torch.no_grad():
        expected = SegmentorLogits(full)(x)
        got = SegmentorLogits(pruned)(x)
    return got.shape == expected.shape and torch.allclose(
        got, expected, rtol=1e-5, atol=1e-5)
