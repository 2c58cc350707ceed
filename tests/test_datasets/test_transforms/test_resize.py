"""CenteredResize: the label map lands on the pixels of its resized image
(MMSeg's Resize puts it about half a pixel low), at the image's size, with
the image resized exactly as MMSeg's Resize does."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.datasets.transforms import Resize
from mmseg.registry import TRANSFORMS

from mmseg_unetpp.datasets import CenteredResize
from mmseg_unetpp.utils.launch import load_config

CONFIG_DIR = Path(__file__).resolve().parents[3] / 'configs'
SCALES = np.linspace(0.55, 1.95, 15)


def line_sample(row: int, height: int = 64, width: int = 48) -> dict:
    """A 2-pixel horizontal line at ``row``, in the image and the labels."""
    label = np.zeros((height, width), np.uint8)
    label[row:row + 2] = 1
    image = np.repeat(label[..., None].astype(np.float32), 3, axis=2)
    return dict(img=image, gt_seg_map=label, img_shape=(height, width),
                seg_fields=['gt_seg_map'])


def line_offset(out: dict) -> float:
    """Label's centre row - image's centre row, in output pixels."""
    rows = np.arange(out['img'].shape[0])
    image_profile = out['img'][:, 0, 0]
    label_profile = out['gt_seg_map'][:, 0].astype(np.float64)
    assert label_profile.sum() > 0, 'the line was lost'
    return ((rows * label_profile).sum() / label_profile.sum() -
            (rows * image_profile).sum() / image_profile.sum())


def mean_offset(transform_type) -> float:
    """Mean offset over scales and line positions."""
    offsets = []
    for scale in SCALES:
        resize = transform_type(scale_factor=float(scale), keep_ratio=True)
        for row in range(10, 52, 3):
            offsets.append(line_offset(resize(line_sample(row))))
    return float(np.mean(offsets))


def test_labels_stay_on_their_pixels():
    assert abs(mean_offset(CenteredResize)) < 0.05
    # what it fixes: MMSeg's Resize puts the labels about 0.47 px low
    assert mean_offset(Resize) > 0.3


@pytest.mark.parametrize('keep_ratio', [True, False])
@pytest.mark.parametrize('scale', [(50, 30), (121, 97)])
def test_image_as_mmseg_labels_at_its_size(scale, keep_ratio):
    rng = np.random.default_rng(0)
    sample = dict(
        img=rng.integers(0, 255, (40, 56, 3), dtype=np.uint8),
        gt_seg_map=rng.integers(0, 3, (40, 56), dtype=np.uint8),
        img_shape=(40, 56), seg_fields=['gt_seg_map'])
    ours = CenteredResize(scale=scale, keep_ratio=keep_ratio)(dict(sample))
    theirs = Resize(scale=scale, keep_ratio=keep_ratio)(dict(sample))
    np.testing.assert_array_equal(ours['img'], theirs['img'])
    assert ours['gt_seg_map'].shape == ours['img'].shape[:2]
    assert ours['gt_seg_map'].dtype == np.uint8
    assert set(np.unique(ours['gt_seg_map'])) <= {0, 1, 2}


def test_random_resize_builds_it():
    init_default_scope('mmseg')
    transform = TRANSFORMS.build(
        dict(type='RandomResize', scale=(56, 40), ratio_range=(0.5, 2.0),
             keep_ratio=True, resize_type='CenteredResize'))
    out = transform(line_sample(20))
    assert isinstance(transform.resize, CenteredResize)
    assert out['gt_seg_map'].shape == out['img'].shape[:2]


RETINAL = sorted(
    p for p in (CONFIG_DIR / 'unetpp').glob('*.py')
    if any(name in p.name for name in ('drive', 'stare', 'chase', 'hrf')))


@pytest.mark.parametrize('path', RETINAL, ids=lambda p: p.name)
def test_shipped_retinal_configs_train_on_aligned_labels(path):
    """Every shipped UNet++ config on a vessel dataset resizes its training
    labels on their pixels (MMSeg's U-Net baseline keeps MMSeg's pipeline,
    as its model zoo has it)."""
    init_default_scope('mmseg')
    train = load_config(str(path)).train_dataloader.dataset
    pipeline = train.get('pipeline') or train.dataset.pipeline
    resize = TRANSFORMS.build(
        next(t for t in pipeline if t.type == 'RandomResize'))
    np.random.seed(0)
    offsets = [line_offset(resize(line_sample(row)))
               for row in range(10, 52, 2) for _ in range(3)]
    assert abs(np.mean(offsets)) < 0.1


def test_retinal_configs_found():
    assert len(RETINAL) == 7
