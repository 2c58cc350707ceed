"""EncoderDecoder that drives a DeepSupervisionHead's inference modes."""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ...structures import prediction_key
from ..backbones import UNetPlusPlus
from ..decode_heads import DeepSupervisionHead
from ..necks import UNetPlusPlusNeck


@MODELS.register_module()
class DeepSupervisionEncoderDecoder(EncoderDecoder):
    """MMSeg's ``EncoderDecoder`` with two duties for deep supervision.

    1. Pruning. The head's ``mode`` and ``level`` are the one setting
       (``--cfg-options model.decode_head.mode=fast
       model.decode_head.level=2``). In fast-mode inference this segmentor
       asks the ``UNetPlusPlus`` backbone or the ``UNetPlusPlusNeck`` for
       the sub-network of that level alone (``forward(x, level)``): only
       the nodes with i + j <= k are computed.
    2. Per-level prediction in one pass: in accurate mode with
       ``per_level=True``, ``predict`` also stores the prediction of each
       level and of each mean of consecutive levels as
       ``pred_sem_seg_l{k}`` and ``pred_sem_seg_l{a}-l{b}`` on the data
       samples, beside the accurate ``pred_sem_seg``;
       ``PerLevelIoUMetric`` scores them all and ``FusionSelectHook``
       picks accurate mode's levels from them. Works with whole and slide
       inference (the backbone runs once per image or window); under TTA
       only the accurate prediction is merged.

    Args:
        per_level (bool): Predict every level in accurate mode.
            Default: True.
        **kwargs: ``EncoderDecoder`` arguments; ``decode_head`` must be a
            ``DeepSupervisionHead``.
    """

    def __init__(self, *args, per_level: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        head = self.decode_head
        if not isinstance(head, DeepSupervisionHead):
            raise TypeError('DeepSupervisionEncoderDecoder needs a '
                            'DeepSupervisionHead decode_head, got '
                            f'{type(head).__name__}')
        grid = self.grid
        if grid is not None and head.mode == 'fast':
            grid.decoder.resolve_level(head.level)  # e.g. 'plain' below L
        self.per_level = per_level

    @property
    def grid(self) -> Optional[nn.Module]:
        """The part that holds the nested decoder and prunes: the
        ``UNetPlusPlus`` backbone or the ``UNetPlusPlusNeck`` (None for
        other models)."""
        if isinstance(self.backbone, UNetPlusPlus):
            return self.backbone
        if self.with_neck and isinstance(self.neck, UNetPlusPlusNeck):
            return self.neck
        return None

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the fast-mode model of every level k: the nodes
        with i + j <= k of the grid, the whole of any other backbone (a
        ResNet computes all its stages) and branch k."""
        head = self.decode_head
        parts = [self.backbone] + ([self.neck] if self.with_neck else [])
        sizes = {}
        for level, branch in zip(head.levels, head.branches):
            size = sum(p.numel() for p in branch.parameters())
            for part in parts:
                if part is self.grid:
                    size += part.level_sizes[level]
                else:
                    size += sum(p.numel() for p in part.parameters())
            sizes[level] = size
        return sizes

    def prediction_level(self, every_level: bool = False) -> Optional[int]:
        """The level of the grid a forward computes: in inference the
        deepest level the head predicts with (fast mode's level, or the
        deepest fused one), else None (the whole grid)."""
        head = self.decode_head
        if self.training or every_level:
            return None
        deepest = max(head.predicted_levels())
        return deepest if deepest < max(head.levels) else None

    def extract_feat(self,
                     inputs: Tensor,
                     every_level: bool = False) -> List[Tensor]:
        """Backbone (and neck) features; in inference only those of the
        levels the head predicts with (the grid's nodes with i + j <= k),
        unless ``every_level``."""
        return self.extract_feats(inputs, every_level)[1]

    def extract_feats(self,
                      inputs: Tensor,
                      every_level: bool = False) -> Tuple[tuple, List[Tensor]]:
        """The backbone's outputs and the features the head reads (the
        neck's outputs, or the backbone's again without a neck)."""
        level = self.prediction_level(every_level)
        if self.grid is self.backbone:
            x = self.backbone(inputs, level)
        else:
            x = self.backbone(inputs)
        if not self.with_neck:
            return x, x
        if self.grid is self.neck:
            return x, self.neck(x, level)
        return x, self.neck(x)

    def encode_decode(self,
                      inputs: Tensor,
                      batch_img_metas: List[dict],
                      levels: bool = False) -> Tensor:
        """Logits at the input size; with ``levels`` the accurate logits
        followed by those of every level and mean of levels (see
        ``DeepSupervisionHead.predict_levels``)."""
        x = self.extract_feat(inputs, every_level=levels)
        if levels:
            return self.decode_head.predict_levels(x, batch_img_metas)
        return self.decode_head.predict(x, batch_img_metas, self.test_cfg)

    def inference(self,
                  inputs: Tensor,
                  batch_img_metas: List[dict],
                  levels: bool = False) -> Tensor:
        """MMSeg's whole or slide inference (``test_cfg.mode``) of
        ``encode_decode(..., levels)``."""
        if self.test_cfg.get('mode', 'whole') == 'slide':
            return self.slide_inference(inputs, batch_img_metas, levels)
        return self.encode_decode(inputs, batch_img_metas, levels)

    def slide_inference(self,
                        inputs: Tensor,
                        batch_img_metas: List[dict],
                        levels: bool = False) -> Tensor:
        """MMSeg's sliding-window inference (overlapping crops of
        ``test_cfg.crop_size`` every ``test_cfg.stride``, logits averaged),
        for the accurate logits or, with ``levels``, for those of every
        branch as well (``EncoderDecoder.slide_inference`` sizes its result
        by ``self.out_channels`` alone)."""
        h_stride, w_stride = self.test_cfg.stride
        h_crop, w_crop = self.test_cfg.crop_size
        batch_size, _, h_img, w_img = inputs.size()
        channels = self.out_channels
        if levels:
            channels *= 1 + len(self.decode_head.fusion_candidates())
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds = inputs.new_zeros((batch_size, channels, h_img, w_img))
        count = inputs.new_zeros((batch_size, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                batch_img_metas[0]['img_shape'] = crop.shape[2:]
                logits = self.encode_decode(crop, batch_img_metas, levels)
                preds += F.pad(logits, (x1, w_img - x2, y1, h_img - y2))
                count[:, :, y1:y2, x1:x2] += 1
        return preds / count

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """As ``EncoderDecoder.predict``, plus ``pred_sem_seg_l{k}`` for
        every level in accurate mode with ``per_level``."""
        head = self.decode_head
        if (data_samples is None or not self.per_level
                or head.mode != 'accurate' or len(head.branches) < 2):
            return super().predict(inputs, data_samples)
        batch_img_metas = [sample.metainfo for sample in data_samples]
        seg_logits = self.inference(inputs, batch_img_metas, levels=True)
        accurate, *others = seg_logits.split(self.out_channels, dim=1)
        data_samples = self.postprocess_result(accurate, data_samples)
        for (name, _), logits in zip(head.fusion_candidates(), others):
            level_samples = self.postprocess_result(
                logits,
                [SegDataSample(metainfo=s.metainfo) for s in data_samples])
            for sample, level_sample in zip(data_samples, level_samples):
                sample.set_field(level_sample.pred_sem_seg,
                                 prediction_key(name))
        return data_samples
