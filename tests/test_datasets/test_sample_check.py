"""The data check decodes every sample with the pipeline's own loaders."""
from pathlib import Path

import numpy as np
from broken_data import truncate
from mmengine.dataset import ConcatDataset
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.datasets import check_dataset_samples, make_camvid_demo
from mmseg_unetpp.datasets.sample_check import dataset_samples

PIPELINE = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]


def build(root, split, pipeline=PIPELINE):
    init_default_scope('mmseg')
    return DATASETS.build(
        dict(
            type='CamVidDataset',
            data_root=str(root),
            ann_file=f'{split}.txt',
            data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'),
            pipeline=pipeline))


def test_wide_label_ids_are_refused_small_ones_kept(tmp_path):
    root = Path(make_camvid_demo(str(tmp_path), 3, 1, size=(45, 60)))
    ann = root / 'trainannot'
    ids = np.array(Image.open(ann / 'demo_train_0000.png')).astype(np.uint16)
    Image.fromarray(ids).save(ann / 'demo_train_0000.png')  # 16-bit PNG
    ids[0, 0] = 267  # 267 % 256 = 11, void once cast to uint8
    Image.fromarray(ids).save(ann / 'demo_train_0001.png')

    reports = check_dataset_samples(dataset_samples(build(root, 'train')))

    assert reports[0].problems == [] and reports[2].problems == []
    assert reports[1].problems == [
        f'{ann}/demo_train_0001.png: label ids up to 267 in a I;16 image do '
        'not fit in 8 bits (labels are loaded as uint8); expected a '
        'single-channel 8-bit PNG of class ids'
    ]


def test_wrapped_datasets_and_plain_loaders_are_checked(tmp_path):
    root = Path(make_camvid_demo(str(tmp_path), 2, 2, size=(45, 60)))
    truncate(root / 'val' / 'demo_val_0001.png')
    plain = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    both = ConcatDataset([build(root, 'train'), build(root, 'val', plain)])

    reports = check_dataset_samples(dataset_samples(both), num_workers=2)

    assert [r.img_path for r in reports] == [
        f'{root}/{split}/demo_{split}_{k:04d}.png'
        for split in ('train', 'val') for k in (0, 1)
    ]
    assert [bool(r.problems) for r in reports] == [False] * 3 + [True]
    assert reports[3].problems[0].startswith(
        f'{root}/val/demo_val_0001.png: cannot decode the image')
    assert reports[0].image_shape == (45, 60)
    assert set(reports[0].label_ids) <= set(range(12))
