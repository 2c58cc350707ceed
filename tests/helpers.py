"""Helpers shared by the tests (tests/ is on sys.path through conftest)."""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import List, Tuple

import torch
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample

TOOLS = Path(__file__).resolve().parents[1] / 'tools'


def load_tool(relative_path: str) -> ModuleType:
    """``load_tool('analysis_tools/benchmark.py')`` -> the module (tools/ is
    not a package)."""
    path = TOOLS / relative_path
    name = 'tools_' + path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def make_samples(n: int, num_classes: int, size: Tuple[int, int],
                 seed: int = 0) -> List[SegDataSample]:
    """``n`` data samples of ``size`` with random labels in
    ``0..num_classes-1``."""
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        sample = SegDataSample(
            metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        label = torch.randint(0, num_classes, (1, *size), generator=g)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return samples
