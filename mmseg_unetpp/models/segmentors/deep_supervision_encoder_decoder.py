"""EncoderDecoder that drives a DeepSupervisionHead's inference modes."""
from typing import Dict, List, Tuple

import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ...structures import level_prediction_key
from ..decode_heads import DeepSupervisionHead


@MODELS.register_module()
class DeepSupervisionEncoderDecoder(EncoderDecoder):
    """MMSeg's ``EncoderDecoder`` with two duties for deep supervision.

    1. Pruning in step with the head: in ``mode='fast'`` the ``eval_level``
       of the backbone (``UNetPlusPlus``) or neck (``UNetPlusPlusNeck``) is
       set to the head's ``level`` (only sub-network k is computed); in
       ``mode='accurate'`` it is cleared. So
       ``--cfg-options model.decode_head.mode=fast model.decode_head.level=2``
       is all a user sets.
    2. Per-level prediction in one pass: in accurate mode with
       ``per_level=True``, ``predict`` also stores each branch's prediction
       as ``pred_sem_seg_l{k}`` on the data samples, beside the accurate
       ``pred_sem_seg``; ``PerLevelIoUMetric`` scores them all. Works with
       whole and slide inference (the backbone runs once per image or
       window); under TTA only the accurate prediction is merged.

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
        wanted = head.level if head.mode == 'fast' else None
        for name, module in self._prunable():
            given = module.eval_level
            if given is not None and given != wanted:
                raise ValueError(
                    f'{name} eval_level={given} disagrees with decode_head '
                    f'mode={head.mode!r} level={head.level}; set only '
                    f'decode_head.mode and decode_head.level, the {name} '
                    'follows them')
        self.per_level = per_level
        self._levels_pass = False
        self.sync_pruning()

    def _parts(self) -> List[Tuple[str, nn.Module]]:
        """The backbone, and the neck if there is one."""
        if self.with_neck:
            return [('backbone', self.backbone), ('neck', self.neck)]
        return [('backbone', self.backbone)]

    def _prunable(self) -> List[Tuple[str, nn.Module]]:
        """The backbone and neck that prune by ``eval_level``."""
        return [(name, module) for name, module in self._parts()
                if hasattr(module, 'eval_level')]

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the fast-mode model of every level k: the nodes
        with i + j <= k of a pruning backbone and neck, the whole of any
        other backbone (a ResNet computes all its stages) and branch k."""
        head = self.decode_head
        sizes = {}
        for level, branch in zip(head.levels, head.branches):
            size = sum(p.numel() for p in branch.parameters())
            for _, module in self._parts():
                if hasattr(module, 'level_sizes'):
                    size += module.level_sizes[level]
                else:
                    size += sum(p.numel() for p in module.parameters())
            sizes[level] = size
        return sizes

    def sync_pruning(self) -> None:
        """Prune the backbone and neck to the head's fast-mode level (or
        not): in eval, nodes with i + j > k are not computed."""
        head = self.decode_head
        level = head.level if head.mode == 'fast' else None
        for _, module in self._prunable():
            module.eval_level = level

    def encode_decode(self, inputs: Tensor, batch_img_metas: list) -> Tensor:
        """Logits at the input size; in the per-level pass, the accurate
        logits followed by every branch's (see
        ``DeepSupervisionHead.predict_levels``)."""
        if not self._levels_pass:
            return super().encode_decode(inputs, batch_img_metas)
        return self.decode_head.predict_levels(
            self.extract_feat(inputs), batch_img_metas)

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """As ``EncoderDecoder.predict``, plus ``pred_sem_seg_l{k}`` for
        every level in accurate mode with ``per_level``."""
        self.sync_pruning()
        head = self.decode_head
        if (data_samples is None or not self.per_level
                or head.mode != 'accurate' or len(head.branches) < 2):
            return super().predict(inputs, data_samples)
        batch_img_metas = [sample.metainfo for sample in data_samples]
        channels = self.out_channels
        # slide_inference sizes its buffer with self.out_channels.
        self.out_channels = channels * (1 + len(head.branches))
        self._levels_pass = True
        try:
            seg_logits = self.inference(inputs, batch_img_metas)
        finally:
            self.out_channels = channels
            self._levels_pass = False
        accurate, *levels = seg_logits.split(channels, dim=1)
        data_samples = self.postprocess_result(accurate, data_samples)
        for level, logits in zip(head.levels, levels):
            level_samples = self.postprocess_result(
                logits,
                [SegDataSample(metainfo=s.metainfo) for s in data_samples])
            for sample, level_sample in zip(data_samples, level_samples):
                sample.set_field(level_sample.pred_sem_seg,
                                 level_prediction_key(level))
        return data_samples
