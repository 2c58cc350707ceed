"""A tiny UNet++ project for the tools' tests: generated CamVid-format
data, a config written like the shipped ones, and ``tools/*.py`` run
in-process as their ``__main__`` runs them (``run_tool(main, argv)``: the
exit status, user errors printed as one line)."""
import sys
import uuid
from pathlib import Path

import torch
from helpers import load_tool

from mmseg_unetpp.datasets import make_camvid_demo
from mmseg_unetpp.utils.launch import run_tool

REPO = Path(__file__).resolve().parents[2]

TINY_CONFIG = """
_base_ = [{runtime!r}, {schedule!r}]
data_root = {data_root!r}
width = {width}
crop_size = (32, 48)
train_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]
dataset = dict(type='CamVidDataset', data_root=data_root)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(**dataset, ann_file='train.txt',
                 data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                 pipeline=train_pipeline))
val_dataset = dict(train_dataloader['dataset'], ann_file='val.txt',
                   pipeline=test_pipeline,
                   data_prefix=dict(img_path='val', seg_map_path='valannot'))
val_dataloader = dict(batch_size=1, num_workers=0, dataset=val_dataset,
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
model = dict(
    type='DeepSupervisionEncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
        seg_pad_val=255, size=crop_size),
    backbone=dict(type='UNetPlusPlus', base_channels=width, num_stages=3),
    decode_head=dict(
        type='DeepSupervisionHead', in_channels=width, channels=width,
        in_index=[0, 1], num_classes=11, dropout_ratio=0.0),
    test_cfg=dict(mode='whole'))
# The shipped schedule's hooks (the safety hooks among them), with a
# constant learning rate and a checkpoint every 2 iterations.
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3))
param_scheduler = []
train_cfg = dict(max_iters=4, val_interval=2)
randomness = dict(seed=0)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, save_best='mIoU', max_keep_ckpts=-1))
"""


def write_config(path: Path, data_root: str, width: int = 4) -> Path:
    """A tiny UNet++ (3 stages) config on ``data_root``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TINY_CONFIG.format(
            data_root=data_root, width=width,
            runtime=str(REPO / 'configs' / '_base_' / 'default_runtime.py'),
            schedule=str(REPO / 'configs' / '_base_' / 'schedules' /
                         'adamw_poly_40k.py')))
    return path


def make_data(root: Path, num_train: int = 6, num_val: int = 3) -> str:
    """Generated CamVid-format data (SegNet layout) of 40x56 frames."""
    return make_camvid_demo(str(root), num_train=num_train, num_val=num_val,
                            size=(40, 56))


def run_in_process(name: str, *args) -> int:
    """Run ``tools/<name>.py ARGS`` in this process as its ``__main__``
    does; return the exit status (one thread: the tests' models are tiny,
    and threads only compete on a busy machine)."""
    argv = [str(a) for a in args]
    # A fresh experiment name: MMEngine reuses loggers and message hubs by
    # name, and two runs in the same second would share them.
    argv += ['--cfg-options', f'experiment_name=t{uuid.uuid4().hex}']
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run_tool(load_tool(f'{name}.py').main, argv)
    except SystemExit as exit_:  # argparse, or a one-line SystemExit
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
            return 1
        return exit_.code
    finally:
        torch.set_num_threads(threads)
