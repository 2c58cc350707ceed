"""A segmentor as one function from images to logits."""
import torch
import torch.nn as nn


class SegmentorLogits(nn.Module):
    """Image -> logits of an MMSeg segmentor: its ``data_preprocessor``'s
    channel conversion and mean/std normalisation, then its
    ``encode_decode`` (the prediction of its current mode).

    The one "images -> logits" of this package: the graph that
    ``export_onnx`` writes, the reference onnxruntime is checked against,
    the prediction ``prune`` compares between the full and the pruned model
    and what ``tools/analysis_tools/level_report.py`` times. Whole-image
    inference: no ``size_divisor`` padding, no slide windows.

    Args:
        segmentor (nn.Module): An MMSeg ``EncoderDecoder`` in eval mode; in
            accurate or fast mode when its head is a
            ``DeepSupervisionHead``.

    Inputs: ``(N, 3, H, W)`` images as MMCV loads them (BGR, 0..255 for
    MMSeg's ``LoadImageFromFile``).
    Returns: ``(N, num_classes, H, W)`` logits (one channel for a binary
    head), at the input size.
    """

    def __init__(self, segmentor: nn.Module):
        super().__init__()
        self.segmentor = segmentor
        pre = segmentor.data_preprocessor
        self.swap_channels = bool(getattr(pre, 'channel_conversion', False))
        # A private attribute, checked by utils.private_api.
        self.normalize = bool(getattr(pre, '_enable_normalize', False))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image[:, [2, 1, 0]] if self.swap_channels else image
        if self.normalize:
            pre = self.segmentor.data_preprocessor
            x = (x - pre.mean) / pre.std
        size = image.shape[2:]
        metas = [dict(img_shape=size, ori_shape=size, pad_shape=size)
                 ] * image.shape[0]
        return self.segmentor.encode_decode(x, metas)
