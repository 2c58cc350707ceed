"""ONNX export of a segmentor and inference with onnxruntime.

The exported graph (:class:`SegmentorLogits`) maps an image to logits at
the image's size:

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

from ..utils.env import import_optional
from .segmentor_logits import SegmentorLogits

INPUT_NAME = 'image'
OUTPUT_NAME = 'seg_logits'
OPSET = 17


def import_deploy(name: str) -> ModuleType:
    """``onnx`` or ``onnxruntime``, which the ``deploy`` extra installs.

    Raises:
        MissingPackageError: naming the extra (:func:`import_optional`).
    """
    return import_optional(name, 'deploy', 'ONNX export and inference')


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


def onnx_parity(segmentor: nn.Module, session: Any,
                shapes: Sequence[Tuple[int, int, int]],
                seed: int = 0) -> List[float]:
    """Largest difference between onnxruntime's and PyTorch's softmax
    (:class:`SegmentorLogits`), for random images of each ``(N, H, W)`` in
    ``shapes``."""
    generator = torch.Generator().manual_seed(seed)
    graph = SegmentorLogits(segmentor).eval()
    gaps = []
    for n, h, w in shapes:
        images = torch.rand(n, 3, h, w, generator=generator) * 255
        with torch.no_grad():
            expected = graph(images).softmax(1)
        got = torch.from_numpy(onnx_logits(session, images.numpy()))
        if got.shape != expected.shape:
            raise ValueError(f'onnxruntime gave shape {tuple(got.shape)} for '
                             f'{(n, 3, h, w)}, PyTorch '
                             f'{tuple(expected.shape)}')
        gaps.append(float((got.softmax(1) - expected).abs().max()))
    return gaps
