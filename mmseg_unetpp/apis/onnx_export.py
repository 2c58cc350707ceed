"""ONNX export of a segmentor and inference with onnxruntime.

The exported graph maps an image to logits at the image's size:

- input ``image``: ``(N, 3, H, W)`` float32, the image as MMCV loads it
  (BGR, 0..255, for MMSeg's ``LoadImageFromFile``); the config's
  ``data_preprocessor`` channel conversion and mean/std normalisation run
  inside the graph;
- output ``seg_logits``: ``(N, num_classes, H, W)`` float32 whose softmax is
  the model's probabilities (in accurate mode the mean of the branches'
  probabilities) and whose argmax over dim 1 is the label map.

It is whole-image inference: a config's ``test_cfg`` slide windows and
``size_divisor`` padding are not part of the graph.

onnx and onnxruntime come with the ``deploy`` extra
(``pip install 'mmseg-unetpp[deploy]'``).
"""
import warnings
from types import ModuleType
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmseg.models.utils import resize

from ..models.decode_heads import DeepSupervisionHead
from ..utils.env import import_optional

INPUT_NAME = 'image'
OUTPUT_NAME = 'seg_logits'
OPSET = 17


def import_deploy(name: str) -> ModuleType:
    """``onnx`` or ``onnxruntime``, which the ``deploy`` extra installs.

    Raises:
        MissingPackageError: naming the extra (:func:`import_optional`).
    """
    return import_optional(name, 'deploy', 'ONNX export and inference')


class SegmentorLogits(nn.Module):
    """Image -> logits of a segmentor, the graph that is exported.

    Args:
        segmentor (nn.Module): An MMSeg ``EncoderDecoder`` in eval mode; in
            accurate or fast mode when its head is a
            ``DeepSupervisionHead``.

    Inputs: ``(N, 3, H, W)`` image as loaded (see the module docstring).
    Returns: ``(N, num_classes, H, W)`` logits, resized to the input as the
    segmentor's ``predict`` resizes them.
    """

    def __init__(self, segmentor: nn.Module):
        super().__init__()
        self.segmentor = segmentor
        pre = segmentor.data_preprocessor
        self.swap_channels = bool(getattr(pre, 'channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image[:, [2, 1, 0]] if self.swap_channels else image
        if self.normalize:
            pre = self.segmentor.data_preprocessor
            x = (x - pre.mean) / pre.std
        head = self.segmentor.decode_head
        logits = head.forward(self.segmentor.extract_feat(x))
        if isinstance(head, DeepSupervisionHead):
            logits = head.fuse(logits)
        return resize(
            logits,
            size=image.shape[2:],
            mode='bilinear',
            align_corners=head.align_corners)


def export_onnx(segmentor: nn.Module,
                path: str,
                shape: Tuple[int, int] = (360, 480),
                dynamic: bool = False,
                opset: int = OPSET) -> None:
    """Export ``segmentor`` (in its current inference mode) to ONNX.

    Args:
        segmentor (nn.Module): The segmentor, on the CPU.
        path (str): The ``.onnx`` file to write.
        shape (tuple[int, int]): Input (H, W), fixed in the graph unless
            ``dynamic``. Default: (360, 480).
        dynamic (bool): Make batch, height and width dynamic.
        opset (int): ONNX opset. Default: 17.
    """
    graph = SegmentorLogits(segmentor).eval()
    image = torch.rand(1, 3, *shape, generator=torch.Generator().manual_seed(
        0)) * 255
    axes = {0: 'batch', 2: 'height', 3: 'width'}
    dynamic_axes = {INPUT_NAME: axes, OUTPUT_NAME: axes} if dynamic else None
    with warnings.catch_warnings(), torch.no_grad():
        # Shape checks in Python become constants of the trace (expected);
        # the TorchScript exporter is used on purpose (dynamo=False).
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(
            graph, (image, ),
            path,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)


def onnx_session(path: str, threads: Optional[int] = None) -> Any:
    """An onnxruntime CPU session of ``path`` (``threads``: intra-op threads,
    None for onnxruntime's default)."""
    ort = import_deploy('onnxruntime')
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def onnx_logits(session: Any, images: np.ndarray) -> np.ndarray:
    """``seg_logits`` of ``images`` ((N, 3, H, W) as loaded) from an
    onnxruntime session."""
    return session.run([OUTPUT_NAME],
                       {INPUT_NAME: images.astype(np.float32)})[0]


def torch_logits(segmentor: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The segmentor's logits at the input size through MMSeg's own path
    (``data_preprocessor`` then ``encode_decode``), for comparison.

    Args:
        images (Tensor): (N, 3, H, W) images as loaded.

    Returns:
        Tensor: (N, num_classes, H, W) logits.
    """
    with torch.no_grad():
        data = segmentor.data_preprocessor(
            dict(inputs=list(images), data_samples=None), False)
        inputs = data['inputs']
        size = tuple(inputs.shape[2:])
        metas = [dict(img_shape=size, ori_shape=size, pad_shape=size)
                 ] * len(inputs)
        return segmentor.encode_decode(inputs, metas)


def onnx_parity(segmentor: nn.Module, session: Any,
                shapes: Sequence[Tuple[int, int, int]],
                seed: int = 0) -> List[float]:
    """Largest difference between onnxruntime's and PyTorch's softmax, for
    random images of each ``(N, H, W)`` in ``shapes``."""
    generator = torch.Generator().manual_seed(seed)
    gaps = []
    for n, h, w in shapes:
        images = torch.rand(n, 3, h, w, generator=generator) * 255
        expected = torch_logits(segmentor, images).softmax(1)
        got = torch.from_numpy(onnx_logits(session, images.numpy()))
        if got.shape != expected.shape:
            raise ValueError(f'onnxruntime gave shape {tuple(got.shape)} for '
                             f'{(n, 3, h, w)}, PyTorch '
                             f'{tuple(expected.shape)}')
        gaps.append(float((got.softmax(1) - expected).abs().max()))
    return gaps
