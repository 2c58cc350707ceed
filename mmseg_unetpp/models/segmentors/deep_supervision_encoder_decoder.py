"""EncoderDecoder that drives a DeepSupervisionHead's inference modes."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ...structures import Levels
from ..backbones import UNetPlusPlus
from ..decode_heads import DeepSupervisionHead
from ..necks import UNetPlusPlusNeck


def class1_above(probs: Tensor, threshold: float) -> Tensor:
    """(1, H, W) int64 class ids of (2, H, W) class probabilities: 1
    where class 1's is above ``threshold``."""
    return (probs[1:2] > threshold).long()


@MODELS.register_module()
class DeepSupervisionEncoderDecoder(EncoderDecoder):
    """MMSeg's ``EncoderDecoder`` with two duties for deep supervision.

    1. Pruning. The head's ``fast_level`` is the one setting of the
       prediction (``--cfg-options model.decode_head.fast_level=2``;
       :attr:`fast_level` here also checks it against the grid). In
       inference this segmentor asks the ``UNetPlusPlus`` backbone or the
       ``UNetPlusPlusNeck`` for the sub-network of the deepest level it
       predicts with alone (``forward(x, level)``): only the nodes with
       i + j <= k are computed.
    2. Per-level prediction in one pass: in accurate mode with
       ``per_level``, ``predict`` also stores the prediction of each level
       and of each mean of consecutive levels (each
       :class:`~mmseg_unetpp.structures.Levels` of the head's
       ``level_runs``) in its field ``pred_sem_seg_l2``,
       ``pred_sem_seg_l2-l4``... of the data samples, beside the accurate
       ``pred_sem_seg``; ``PerLevelIoUMetric`` scores them all and
       ``FusionSelectHook`` picks accurate mode's levels from them.
       ``PerLevelPredictionHook`` turns ``per_level`` on for the
       validation and test runs whose evaluator scores every level, so
       that ``predict`` (``inference_model``) otherwise computes only the
       prediction. Works with whole and slide inference (the backbone runs
       once per image or window); under TTA only the accurate prediction
       is merged.

    ``test_cfg`` takes MMSeg's keys (``mode='whole'`` or ``'slide'``,
    ``crop_size``, ``stride``) and two of its own:

    - ``batch_windows``: the number of slide windows run in one forward
      (default 1; each window of every image of the batch). The result
      does not depend on it.
    - ``threshold``: for two classes on two softmax channels, the
      probability of class 1 above which a pixel is class 1 (default
      None: the most probable class, as 0.5 gives). A vessel model's
      Dice depends on it; choose it on images that are not scored
      (``tools/analysis_tools/choose_threshold.py``). MMSeg's
      ``decode_head.threshold`` does this for one sigmoid channel only.

    Args:
        per_level (bool): Predict every level in accurate mode.
            Default: False.
        **kwargs: ``EncoderDecoder`` arguments; ``decode_head`` must be a
            ``DeepSupervisionHead``.

    Raises:
        ValueError: for a ``test_cfg.batch_windows`` or ``threshold`` it
            cannot use.
    """

    def __init__(self, *args, per_level: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        head = self.decode_head
        if not isinstance(head, DeepSupervisionHead):
            raise TypeError('DeepSupervisionEncoderDecoder needs a '
                            'DeepSupervisionHead decode_head, got '
                            f'{type(head).__name__}')
        self.fast_level = head.fast_level  # the config's, checked
        self.per_level = per_level
        batch_windows = (self.test_cfg or {}).get('batch_windows', 1)
        if not isinstance(batch_windows, int) or batch_windows < 1:
            raise ValueError(f'test_cfg.batch_windows must be an int >= 1, '
                             f'got {batch_windows!r}')
        threshold = (self.test_cfg or {}).get('threshold')
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(
                    threshold, (int, float)) or not 0 < threshold < 1:
                raise ValueError('test_cfg.threshold must be a probability '
                                 f'in (0, 1), got {threshold!r}')
            if self.out_channels != 2:
                raise ValueError(
                    'test_cfg.threshold is the class-1 probability of two '
                    'softmax channels; this model has '
                    f'{self.out_channels} output channel(s) (one sigmoid '
                    'channel: set decode_head.threshold)')

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
    def fast_level(self) -> Optional[int]:
        """The head's ``fast_level``: the level fast mode predicts with, or
        None for accurate mode. Setting it here checks that the grid can
        compute that level alone (``skip_mode='plain'`` has only the
        deepest)."""
        return self.decode_head.fast_level

    @fast_level.setter
    def fast_level(self, level: Optional[int]) -> None:
        head = self.decode_head
        if level in head.levels and self.grid is not None:
            self.grid.decoder.resolve_level(level)
        head.fast_level = level  # checks the level against the head's

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

    @property
    def levels_to_predict(self) -> List[Levels]:
        """What ``predict`` computes: the head's prediction, then, in
        accurate mode with ``per_level``, every level and mean of levels
        (the head's ``level_runs``)."""
        head = self.decode_head
        if (self.per_level and head.fast_level is None
                and len(head.levels) > 1):
            return [head.prediction] + head.level_runs
        return [head.prediction]

    def extract_feat(self,
                     inputs: Tensor,
                     levels: Optional[Sequence[Levels]] = None
                     ) -> List[Tensor]:
        """Backbone (and neck) features; in inference only those that
        ``levels`` (default: the head's prediction) need: the grid's nodes
        with i + j <= k, k the deepest of them."""
        level = None
        if not self.training:
            head = self.decode_head
            deepest = max(run.last for run in levels or [head.prediction])
            level = deepest if deepest < max(head.levels) else None
        if self.grid is self.backbone:
            x = self.backbone(inputs, level)
        else:
            x = self.backbone(inputs)
        if not self.with_neck:
            return x
        if self.grid is self.neck:
            return self.neck(x, level)
        return self.neck(x)

    def encode_decode(self,
                      inputs: Tensor,
                      batch_img_metas: List[dict],
                      levels: Optional[Sequence[Levels]] = None) -> Tensor:
        """Logits at the input size of each of ``levels`` (default: the
        head's prediction), concatenated: (N, len(levels) * out_channels,
        H, W)."""
        levels = levels or [self.decode_head.prediction]
        x = self.extract_feat(inputs, levels)
        return self.decode_head.predict_levels(x, batch_img_metas, levels)

    def inference(self,
                  inputs: Tensor,
                  batch_img_metas: List[dict],
                  levels: Optional[Sequence[Levels]] = None) -> Tensor:
        """MMSeg's whole or slide inference (``test_cfg.mode``) of
        ``encode_decode(..., levels)``."""
        if self.test_cfg.get('mode', 'whole') == 'slide':
            return self.slide_inference(inputs, batch_img_metas, levels)
        return self.encode_decode(inputs, batch_img_metas, levels)

    def slide_inference(self,
                        inputs: Tensor,
                        batch_img_metas: List[dict],
                        levels: Optional[Sequence[Levels]] = None) -> Tensor:
        """MMSeg's sliding-window inference: windows of
        ``test_cfg.crop_size`` every ``test_cfg.stride``, their logits
        averaged where they overlap.

        ``EncoderDecoder.slide_inference`` cannot serve: it sizes its result
        by ``self.out_channels``, so it cannot carry the logits of several
        ``levels``, and it runs one window per forward. Here
        ``test_cfg.batch_windows`` windows run in one forward, in
        channels_last, which oneDNN's CPU convolutions run about 10 % faster
        on small windows (the result is the same within float tolerance);
        the caller's ``batch_img_metas`` are not changed (each window gets
        copies with its own ``img_shape``).

        A fork of ``mmseg.models.segmentors.EncoderDecoder.slide_inference``
        of MMSeg 1.2.2: ``test_slide_inference_is_mmsegs``
        (``tests/test_models/test_segmentors/
        test_deep_supervision_encoder_decoder.py``) holds its logits of one
        prediction to the original's, one window per forward or several.

        Returns:
            Tensor: (N, len(levels) * out_channels, H, W) logits.
        """
        h_stride, w_stride = self.test_cfg.stride
        h_crop, w_crop = self.test_cfg.crop_size
        batch_windows = self.test_cfg.get('batch_windows', 1)
        levels = levels or [self.decode_head.prediction]
        batch_size, _, h_img, w_img = inputs.size()
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        windows = []
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                windows.append((max(y2 - h_crop, 0), y2, max(x2 - w_crop,
                                                             0), x2))
        channels = self.out_channels * len(levels)
        preds = inputs.new_zeros((batch_size, channels, h_img, w_img))
        count = inputs.new_zeros((batch_size, 1, h_img, w_img))
        for start in range(0, len(windows), batch_windows):
            chunk = windows[start:start + batch_windows]
            crops = [inputs[:, :, y1:y2, x1:x2] for y1, y2, x1, x2 in chunk]
            crop_shape = crops[0].shape[2:]  # every window has one size
            metas = [
                dict(meta, img_shape=crop_shape) for _ in chunk
                for meta in batch_img_metas
            ]
            crops = torch.cat(crops)
            if batch_windows > 1:
                crops = crops.contiguous(memory_format=torch.channels_last)
            logits = self.encode_decode(crops, metas, levels)
            for (y1, y2, x1, x2), window in zip(chunk,
                                                logits.split(batch_size)):
                preds[:, :, y1:y2, x1:x2] += window
                count[:, :, y1:y2, x1:x2] += 1
        return preds / count

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """``EncoderDecoder.postprocess_result``, with the same results,
        faster on a CPU.

        MMSeg's takes the class of each pixel by ``argmax(dim=0)``, which
        PyTorch runs slowly over the channels of a (C, H, W) tensor on a
        CPU: 29 ms for 2 x 584 x 565 logits on one thread, 19 ms for 11 x
        360 x 480. ``max(dim=0)`` gives the same indices (the first
        maximum, NaN included) in 2 and 4 ms; with every level scored, a
        DRIVE image takes 11 of them. The resize to ``ori_shape`` is also
        skipped where the logits already have it (bilinear resizing to the
        same size is the identity).

        A fork of
        ``mmseg.models.segmentors.EncoderDecoder.postprocess_result`` of
        MMSeg 1.2.2: ``test_postprocess_result_is_mmsegs`` (beside
        ``test_slide_inference_is_mmsegs``) holds it to the original.

        Args:
            seg_logits (Tensor): (N, C, H, W) logits.
            data_samples (list[SegDataSample], optional): Their samples;
                without them, each prediction is the logits' own.

        Returns:
            list[SegDataSample]: The samples with ``seg_logits`` (after
            padding removal, flip and resize; sigmoid for one channel) and
            ``pred_sem_seg``.
        """
        batch_size, channels, height, width = seg_logits.shape
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(batch_size)]
            metas = [None] * batch_size
        else:
            metas = [sample.metainfo for sample in data_samples]
        for sample, meta, logits in zip(data_samples, metas, seg_logits):
            if meta is not None:
                left, right, top, bottom = meta.get(
                    'img_padding_size', meta.get('padding_size', [0] * 4))
                logits = logits[:, top:height - bottom, left:width - right]
                if meta.get('flip'):
                    direction = meta.get('flip_direction')
                    if direction not in ('horizontal', 'vertical'):
                        raise ValueError(
                            f'flip_direction must be horizontal or '
                            f'vertical, got {direction!r}')
                    logits = logits.flip(
                        dims=(2, ) if direction == 'horizontal' else (1, ))
                if tuple(logits.shape[1:]) != tuple(meta['ori_shape'][:2]):
                    logits = resize(
                        logits[None],
                        size=meta['ori_shape'],
                        mode='bilinear',
                        align_corners=self.align_corners,
                        warning=False)[0]
            threshold = (self.test_cfg or {}).get('threshold')
            if channels == 2 and threshold is not None:
                pred = class1_above(logits.softmax(dim=0), threshold)
            elif channels > 1:
                pred = logits.max(dim=0, keepdim=True)[1]
            else:
                logits = logits.sigmoid()
                pred = (logits > self.decode_head.threshold).to(logits)
            sample.set_data({
                'seg_logits': PixelData(data=logits),
                'pred_sem_seg': PixelData(data=pred)
            })
        return data_samples

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """As ``EncoderDecoder.predict``, plus the field of every level and
        mean of levels (``pred_sem_seg_l2``...) in accurate mode with
        ``per_level``."""
        levels = self.levels_to_predict
        if data_samples is None or len(levels) == 1:
            return super().predict(inputs, data_samples)
        batch_img_metas = [sample.metainfo for sample in data_samples]
        seg_logits = self.inference(inputs, batch_img_metas, levels)
        accurate, *others = seg_logits.split(self.out_channels, dim=1)
        data_samples = self.postprocess_result(accurate, data_samples)
        for run, logits in zip(levels[1:], others):
            level_samples = self.postprocess_result(
                logits,
                [SegDataSample(metainfo=s.metainfo) for s in data_samples])
            for sample, level_sample in zip(data_samples, level_samples):
                sample.set_field(level_sample.pred_sem_seg, run.key)
        return data_samples
