"""A Runner over a tiny deep-supervised UNet++ (l2, width 4) and a few
generated 16x16 images, for the hook tests (a second or two per run)."""
import itertools
from pathlib import Path
from typing import List, Optional

import torch
from mmengine.config import ConfigDict
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch.utils.data import Dataset

SIZE = (16, 16)
CLASSES = ('a', 'b', 'c')
_names = itertools.count()


class TinyDataset(Dataset):
    """Random images and labels, the same for every epoch."""

    metainfo = dict(classes=CLASSES, palette=[[0, 0, 0]] * len(CLASSES))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> dict:
        g = torch.Generator().manual_seed(index)
        sample = SegDataSample(
            metainfo=dict(img_shape=SIZE, ori_shape=SIZE, pad_shape=SIZE))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, len(CLASSES), (1, *SIZE), generator=g))
        return dict(inputs=torch.rand(3, *SIZE, generator=g) * 255,
                    data_samples=sample)


def loader() -> dict:
    return dict(dataset=TinyDataset(), batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False))


def model_cfg(segmentor: str = 'DeepSupervisionEncoderDecoder') -> dict:
    return dict(
        type=segmentor,
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0.] * 3,
                               std=[255.] * 3, size=SIZE),
        backbone=dict(type='UNetPlusPlus', base_channels=4, num_stages=3),
        decode_head=dict(type='DeepSupervisionHead', in_channels=4,
                         channels=4, in_index=[0, 1],
                         num_classes=len(CLASSES)),
        test_cfg=ConfigDict(mode='whole'))  # as MMSeg's segmentors read it


def tiny_runner(work_dir: Path,
                checkpoint: Optional[dict] = None,
                hooks: Optional[dict] = None,
                custom_hooks: Optional[List[Hook]] = None,
                metric: str = 'PerLevelIoUMetric',
                max_iters: int = 2,
                val_interval: Optional[int] = 1,
                segmentor: str = 'DeepSupervisionEncoderDecoder') -> Runner:
    """Train ``max_iters`` iterations of a ``segmentor`` over the tiny
    UNet++, validate every ``val_interval`` (None: no val loop);
    ``checkpoint``: the ``default_hooks.checkpoint`` entry (none by
    default); ``hooks``: more ``default_hooks`` entries."""
    if checkpoint is not None:
        checkpoint = dict(dict(by_epoch=False), **checkpoint)
    default_hooks = dict(checkpoint=checkpoint, **(hooks or {}))
    evaluator = dict(type=metric)
    validate = val_interval is not None
    return Runner(
        model=model_cfg(segmentor),
        work_dir=str(work_dir),
        experiment_name=f'tiny_runner_{next(_names)}',
        train_dataloader=loader(),
        val_dataloader=loader() if validate else None,
        test_dataloader=loader(),
        val_evaluator=evaluator if validate else None,
        test_evaluator=evaluator,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters,
                       val_interval=val_interval or 1),
        val_cfg=dict(type='ValLoop') if validate else None,
        test_cfg=dict(type='TestLoop'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=default_hooks,
        custom_hooks=custom_hooks,
        default_scope='mmseg',
        log_level='WARNING')
