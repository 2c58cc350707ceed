"""Helpers shared by the tests (tests/ is on sys.path through conftest)."""
import importlib.util
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch.nn.modules.batchnorm import _BatchNorm

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


def run_main(relative_path: str, *args) -> int:
    """Run ``tools/<relative_path>``'s ``main`` in this process as its
    ``__main__`` does: the exit status; a user error is printed as one
    line on stderr."""
    from mmseg_unetpp.utils.launch import run_tool
    tool = load_tool(relative_path)
    try:
        return run_tool(tool.main, [str(a) for a in args])
    except SystemExit as exit_:  # argparse's usage errors (status 2)
        return exit_.code


def make_medical_data(root, dataset_type: str, num: int = 2,
                      size: Tuple[int, int] = (45, 61)) -> str:
    """Images and vessel-like binary label maps (ids 0 and 1) in the file
    layout of one of MMSeg's retinal datasets (``DRIVEDataset``,
    ``STAREDataset``, ``ChaseDB1Dataset``, ``HRFDataset``): ``images/`` and
    ``annotations/`` with ``training/`` and ``validation/``, each file
    named with the suffixes that dataset class expects."""
    import inspect

    import mmcv
    import numpy as np
    from mmseg.registry import DATASETS
    params = inspect.signature(DATASETS.get(dataset_type).__init__).parameters
    img_suffix = params['img_suffix'].default
    seg_suffix = params['seg_map_suffix'].default
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size[0], 0:size[1]]
    root = Path(root)
    for split in ('training', 'validation'):
        for k in range(num):
            label = np.zeros(size, np.uint8)
            for _ in range(3):  # a few curved vessels
                a, b, c = rng.uniform(-0.5, 0.5), rng.uniform(0, size[0]), \
                    rng.uniform(0.02, 0.1)
                label[np.abs(yy - (a * xx + b + 5 * np.sin(c * xx))) < 1.5] = 1
            image = rng.integers(90, 140, (*size, 3)).astype(np.uint8)
            image[label == 1] //= 2
            mmcv.imwrite(image, str(root / 'images' / split /
                                    f'{k}{img_suffix}'))
            mmcv.imwrite(label, str(root / 'annotations' / split /
                                    f'{k}{seg_suffix}'))
    return str(root)


MEDICAL = ('DRIVEDataset', 'STAREDataset', 'ChaseDB1Dataset', 'HRFDataset')


def make_config_data(root: Path) -> dict:
    """Generated CamVid-format data, and data in the layout of each of
    MMSeg's retinal datasets, under ``root``: the data root of each
    dataset type."""
    from mmseg_unetpp.datasets import make_camvid_demo
    roots = {
        name: make_medical_data(root / name, name)
        for name in MEDICAL
    }
    roots['CamVidDataset'] = make_camvid_demo(
        str(root / 'camvid'), num_train=2, num_val=2, size=(45, 60))
    return roots


def shrink(cfg, data_roots: dict, work_dir: str):
    """Generated data, batch 2 (a BN after a global pool, as in UPerNet's
    and DeepLabV3+'s heads, needs two samples), small crops, small slide
    windows, one iteration, datasets not serialized."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        dataset = cfg[loader].dataset
        if dataset.type == 'RepeatDataset':
            dataset = dataset.dataset
        # Not serialized: serializing ends in a gc.collect, which takes a
        # good part of a second in a test process.
        dataset.update(data_root=data_roots[dataset.type],
                       serialize_data=False)
        if dataset.type == 'CamVidDataset' and loader != 'train_dataloader':
            dataset.update(
                ann_file='val.txt',
                data_prefix=dict(img_path='val', seg_map_path='valannot'))
    if cfg.model.test_cfg.get('mode') == 'slide':
        cfg.model.test_cfg.update(crop_size=(32, 32), stride=(21, 21))
    cfg.train_dataloader.batch_size = 2
    train = cfg.train_dataloader.dataset
    for t in train.get('pipeline') or train.dataset.pipeline:
        if t.type == 'RandomResize':
            t.scale = (60, 45)
        if t.type == 'RandomCrop':
            t.crop_size = (32, 48)
    for loader in ('val_dataloader', 'test_dataloader'):
        for t in cfg[loader].dataset.pipeline:
            if t.type == 'Resize':
                t.scale = (60, 45)
    if cfg.model.data_preprocessor.get('size'):
        cfg.model.data_preprocessor.size = (32, 48)
    # Tests have no network: encoders start from random weights.
    init_cfg = cfg.model.backbone.get('init_cfg')
    if init_cfg and init_cfg.get('type') == 'Pretrained':
        cfg.model.backbone.init_cfg = None
    cfg.train_cfg.update(max_iters=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.work_dir = work_dir
    return cfg


# A small ResNetV1c encoder (strides 4..32, 8/16/32/64 channels), for
# UNet++ over an MMSeg backbone.
SMALL_RESNET = dict(
    type='ResNetV1c',
    depth=18,
    stem_channels=8,
    base_channels=8,
    out_indices=(0, 1, 2, 3),
    norm_cfg=dict(type='BN'))

# Head arguments of a binary task: one sigmoid channel for two classes.
BINARY_HEAD = dict(
    num_classes=2,
    out_channels=1,
    threshold=0.5,
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True))


def deep_supervision_cfg(backbone: dict, neck: Optional[dict] = None,
                         width: int = 4, levels: int = 3,
                         num_classes: int = 5) -> dict:
    """A ``DeepSupervisionEncoderDecoder`` over ``backbone`` (and
    ``neck``) with a 1x1 classifier on each of levels 1..``levels``."""
    cfg = dict(
        type='DeepSupervisionEncoderDecoder',
        backbone=backbone,
        decode_head=dict(type='DeepSupervisionHead', in_channels=width,
                         channels=width, in_index=list(range(levels)),
                         num_classes=num_classes))
    if neck is not None:
        cfg['neck'] = neck
    return cfg


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


def randomize(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random normalisation statistics and affine parameters, classifiers
    of unit scale and biases (a fresh model's BN statistics are 0 and 1 and
    its classifiers near 0, which would hide a wrong weight)."""
    g = torch.Generator().manual_seed(seed)

    def rand(t: torch.Tensor, low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(t.shape, generator=g)

    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, _BatchNorm):
                module.running_mean.copy_(rand(module.running_mean, -.2, .2))
                module.running_var.copy_(rand(module.running_var, .5, 1.5))
            if isinstance(module, (_BatchNorm, torch.nn.LayerNorm)):
                module.weight.copy_(rand(module.weight, .5, 1.5))
                module.bias.copy_(rand(module.bias, -.2, .2))
            if name.endswith('conv_seg'):
                module.weight.copy_(rand(module.weight, -1, 1))
                module.bias.copy_(rand(module.bias, -.2, .2))
    return model


# A user's config for the deploy tests: UNet++ l4 of width 4 (levels 1..4)
# on generated CamVid-format data, test split only.
DEPLOY_CONFIG = """
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_unetpp'], allow_failed_imports=False)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
test_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CamVidDataset', data_root={data_root!r},
                 ann_file='val.txt',
                 data_prefix=dict(img_path='val', seg_map_path='valannot'),
                 pipeline=test_pipeline))
test_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU'])
test_cfg = dict(type='TestLoop')
model = dict(
    type='DeepSupervisionEncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
        seg_pad_val=255),
    backbone=dict(type='UNetPlusPlus', base_channels=4, num_stages=5),
    decode_head=dict(
        type='DeepSupervisionHead', in_channels=4, channels=4,
        in_index=[0, 1, 2, 3], num_classes=11),
    test_cfg=dict(mode='whole'))
"""


def write_deploy_project(root: Path) -> dict:
    """Generated data, :data:`DEPLOY_CONFIG` and a checkpoint of random
    weights (with the dataset's classes and palette in its meta) under
    ``root``; returns their paths and the model config."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import save_checkpoint
    from mmseg.registry import MODELS

    from mmseg_unetpp.datasets import CamVidDataset, make_camvid_demo
    init_default_scope('mmseg')
    data = make_camvid_demo(str(root / 'data'), num_train=1, num_val=3,
                            size=(40, 56))
    config = root / 'unetpp_tiny.py'
    config.write_text(DEPLOY_CONFIG.format(data_root=data))
    cfg = Config.fromfile(str(config))
    model = randomize(MODELS.build(cfg.model))
    meta = dict(dataset_meta=dict(
        classes=list(CamVidDataset.METAINFO['classes']),
        palette=[list(c) for c in CamVidDataset.METAINFO['palette']]),
        iter=4)
    checkpoint = root / 'unetpp_tiny.pth'
    save_checkpoint(dict(meta=meta, state_dict=model.state_dict()),
                    str(checkpoint))
    image = Path(data) / 'val' / 'demo_val_0000.png'
    return dict(root=root, data=Path(data), config=config,
                checkpoint=checkpoint, image=image, model_cfg=cfg.model)


def run_command(args, cwd=None, env: Optional[dict] = None,
                check: bool = True, timeout: int = 600,
                without: Sequence[str] = ()):
    """Run a command in another process with this environment, one thread
    (``OMP_NUM_THREADS=1``), ``env`` added and the variables in
    ``without`` removed; on failure with ``check``, raise with the end of
    its output."""
    import os
    import subprocess
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    for name in without:
        full_env.pop(name, None)
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


@contextmanager
def one_thread() -> Iterator[None]:
    """This process, and the processes it starts, on one thread each
    (``OMP_NUM_THREADS=1``): the tests' models are tiny, and threads only
    compete on a busy machine."""
    import os
    threads, env = torch.get_num_threads(), os.environ.get('OMP_NUM_THREADS')
    torch.set_num_threads(1)
    os.environ['OMP_NUM_THREADS'] = '1'
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        if env is None:
            del os.environ['OMP_NUM_THREADS']
        else:
            os.environ['OMP_NUM_THREADS'] = env


def last_error_line(proc) -> str:
    """The last line of a failed command's stderr, checked to be the only
    complaint (no traceback)."""
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    return proc.stderr.strip().splitlines()[-1]
