import filecmp
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.datasets import CamVidDataset, make_camvid_demo
from mmseg_unetpp.datasets.demo_data import VOID

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory):
    return make_camvid_demo(
        str(tmp_path_factory.mktemp('camvid_demo')),
        num_train=8,
        num_val=3,
        size=(45, 60))


def build(root, split='train', **kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(
        dict(
            type='CamVidDataset',
            data_root=root,
            ann_file=f'{split}.txt',
            data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'),
            pipeline=PIPELINE,
            **kwargs))


def test_metainfo_has_11_classes_and_palette(demo_root):
    dataset = build(demo_root)
    assert len(dataset.metainfo['classes']) == 11
    assert dataset.metainfo['classes'][0] == 'Sky'
    assert dataset.metainfo['classes'][-1] == 'Bicyclist'
    assert len(dataset.metainfo['palette']) == 11


def test_reads_segnet_layout_and_maps_void_to_ignore(demo_root):
    dataset = build(demo_root)
    assert len(dataset) == 8
    sample = dataset[0]['data_samples']
    assert sample.img_path.endswith(
        os.path.join('train', 'demo_train_0000.png'))
    gt = sample.gt_sem_seg.data.numpy()
    raw = np.array(Image.open(sample.seg_map_path))
    assert (raw == VOID).any()
    assert (gt[0][raw == VOID] == 255).all()
    assert np.array_equal(gt[0][raw != VOID], raw[raw != VOID])
    assert set(np.unique(gt)) <= set(range(11)) | {255}


def test_without_split_list_reads_every_file(demo_root):
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='CamVidDataset',
            data_root=demo_root,
            data_prefix=dict(img_path='val', seg_map_path='valannot'),
            pipeline=PIPELINE))
    assert len(dataset) == 3


def test_class_subset_keeps_void_ignored(demo_root):
    dataset = build(demo_root, metainfo=dict(classes=('Sky', 'Road', 'Car')))
    assert dataset.label_map[11] == 255
    gt = dataset[0]['data_samples'].gt_sem_seg.data
    assert set(gt.unique().tolist()) <= {0, 1, 2, 255}


def test_missing_data_root_names_path_and_command(tmp_path):
    missing = str(tmp_path / 'camvid')
    with pytest.raises(FileNotFoundError) as error:
        CamVidDataset(
            data_root=missing,
            data_prefix=dict(img_path='train', seg_map_path='trainannot'))
    assert missing in str(error.value)
    assert 'tools/dataset_converters/camvid.py' in str(error.value)


def test_missing_split_folder_names_it(tmp_path, demo_root):
    with pytest.raises(FileNotFoundError, match='test'):
        build(demo_root, split='test')


def test_demo_data_is_deterministic_and_complete(tmp_path):
    a = make_camvid_demo(str(tmp_path / 'a'), 4, 2, size=(45, 60), seed=3)
    b = make_camvid_demo(str(tmp_path / 'b'), 4, 2, size=(45, 60), seed=3)
    for sub in ('train', 'trainannot', 'val', 'valannot'):
        names = sorted(os.listdir(os.path.join(a, sub)))
        assert names == sorted(os.listdir(os.path.join(b, sub)))
        match, mismatch, errors = filecmp.cmpfiles(
            os.path.join(a, sub), os.path.join(b, sub), names, shallow=False)
        assert mismatch == [] and errors == []
    c = make_camvid_demo(str(tmp_path / 'c'), 4, 2, size=(45, 60), seed=4)
    assert not filecmp.cmp(
        os.path.join(a, 'train', 'demo_train_0000.png'),
        os.path.join(c, 'train', 'demo_train_0000.png'),
        shallow=False)


def test_demo_data_draws_every_class(demo_root):
    ids = set()
    for name in os.listdir(os.path.join(demo_root, 'trainannot')):
        ids |= set(
            np.unique(
                np.array(
                    Image.open(os.path.join(demo_root, 'trainannot',
                                            name)))).tolist())
    assert ids == set(range(12))
