"""The checked loaders, in the training, validation, test and TTA pipelines
of every shipped config on CamVid: a bad sample raises BadSampleError
naming the file and the problem; grayscale and RGBA images load as
3-channel images. (The configs on MMSeg's retinal datasets keep the
pipelines of MMSeg's dataset bases; the data check before training loads
their samples with the checked loaders.)"""
import functools
from pathlib import Path

import numpy as np
import pytest
from broken_data import grayscale, half_size, raw_camvid_ids, rgba, truncate
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, TRANSFORMS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.datasets import (
    LoadCheckedAnnotations,
    LoadCheckedImageFromFile,
    make_camvid_demo,
)
from mmseg_unetpp.utils.errors import BadSampleError, ConfigError

CONFIG_DIR = Path(__file__).resolve().parents[3] / 'configs'
# The CamVid configs, by name as MMSeg names them (the test checks the
# dataset).
CONFIGS = sorted(p for p in CONFIG_DIR.rglob('*.py')
                 if '_base_' not in p.parts and 'camvid' in p.name)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


@pytest.fixture(scope='module')
def broken_root(tmp_path_factory):
    """Train frames 0..6: good, truncated image, ids 12..31, half-size
    label, grayscale image, RGBA image, truncated label."""
    root = Path(
        make_camvid_demo(
            str(tmp_path_factory.mktemp('broken')),
            num_train=7,
            num_val=1,
            size=(60, 80)))
    img, ann = root / 'train', root / 'trainannot'
    truncate(img / 'demo_train_0001.png')
    raw_camvid_ids(ann / 'demo_train_0002.png')
    half_size(ann / 'demo_train_0003.png')
    grayscale(img / 'demo_train_0004.png')
    rgba(img / 'demo_train_0005.png')
    truncate(ann / 'demo_train_0006.png')
    return root


@functools.lru_cache(maxsize=None)
def parse(path: Path) -> Config:
    """The config of ``path``, parsed once (the tests read it only)."""
    return Config.fromfile(str(path))


def pipelines(path: Path):
    """(name, pipeline) of a config's dataloaders, and its TTA pipeline."""
    cfg = parse(path)
    found = [(loader, cfg[loader].dataset.pipeline) for loader in LOADERS]
    if cfg.get('tta_pipeline'):
        found.append(('tta_pipeline', cfg.tta_pipeline))
    return found


def loader_types(pipeline) -> list:
    """Every transform type in a pipeline, inside TestTimeAug too."""
    types = []
    for t in pipeline:
        types.append(t['type'])
        for group in t.get('transforms', []):
            types.extend(loader_types(group))
    return types


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_every_pipeline_loads_with_the_checked_loaders(path):
    assert parse(path).test_dataloader.dataset.type == 'CamVidDataset'
    for name, pipeline in pipelines(path):
        types = loader_types(pipeline)
        assert 'LoadCheckedImageFromFile' in types, name
        assert 'LoadCheckedAnnotations' in types, name
        assert 'LoadImageFromFile' not in types, name
        assert 'LoadAnnotations' not in types, name


PROBLEMS = {
    1: 'train/demo_train_0001.png: cannot decode the image (truncated, or '
    'not an image file)',
    2: 'trainannot/demo_train_0002.png: label ids 12..31 are not classes; '
    'expected ids 0..10 (11 classes), or 11, 255 (ignored)',
    3: 'trainannot/demo_train_0003.png: label map is 30x40 but ',
    6: 'trainannot/demo_train_0006.png: cannot decode the label map',
}


def distinct_pipelines():
    """Each different pipeline of the shipped configs once, named by the
    first config and loader that uses it."""
    found = {}
    for path in CONFIGS:
        for name, pipeline in pipelines(path):
            found.setdefault(repr(pipeline), (f'{path.stem}.{name}', pipeline))
    return list(found.values())


@pytest.mark.parametrize(
    'name, pipeline', distinct_pipelines(), ids=lambda x: x
    if isinstance(x, str) else '')
def test_bad_samples_fail_clearly_in_every_pipeline(name, pipeline,
                                                     broken_root):
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='CamVidDataset',
            data_root=str(broken_root),
            ann_file='train.txt',
            data_prefix=dict(img_path='train', seg_map_path='trainannot'),
            pipeline=pipeline))
    for index, problem in PROBLEMS.items():
        with pytest.raises(BadSampleError) as error:
            dataset[index]
        assert str(error.value).startswith(
            f'{broken_root}/{problem}'), (name, str(error.value))
    for index in (0, 4, 5):  # good, grayscale, RGBA
        sample = dataset[index]
        inputs = sample['inputs']
        inputs = inputs[0] if isinstance(inputs, list) else inputs
        assert inputs.shape[0] == 3, name


def test_image_loader_names_a_missing_file(tmp_path):
    with pytest.raises(BadSampleError, match='nope.png: image file not found'):
        LoadCheckedImageFromFile()(dict(img_path=str(tmp_path / 'nope.png')))


def test_label_loader_needs_num_classes(tmp_path):
    root = make_camvid_demo(str(tmp_path), 1, 1, size=(45, 60))
    results = dict(
        img_path=f'{root}/train/demo_train_0000.png',
        seg_map_path=f'{root}/trainannot/demo_train_0000.png',
        reduce_zero_label=False,
        seg_fields=[])
    with pytest.raises(ConfigError, match='needs the number of classes'):
        LoadCheckedAnnotations()(dict(results))
    loaded = LoadCheckedAnnotations(num_classes=12)(dict(results))
    assert loaded['gt_seg_map'].shape == (45, 60)
    with pytest.raises(BadSampleError, match=r'label ids 4\.\..* are not'):
        LoadCheckedAnnotations(num_classes=4)(dict(results))
    with pytest.raises(ValueError, match='num_classes must be a positive'):
        TRANSFORMS.build(dict(type='LoadCheckedAnnotations', num_classes=0))


def test_cache_decodes_each_file_once_and_gives_copies(tmp_path):
    """With ``cache=True`` a file is decoded once: later calls give the
    same arrays even once the file is gone, and a transform that changes
    the array in place does not change the cache."""
    root = make_camvid_demo(str(tmp_path), 1, 1, size=(45, 60))
    image = Path(f'{root}/train/demo_train_0000.png')
    label = Path(f'{root}/trainannot/demo_train_0000.png')

    def sample():
        return dict(img_path=str(image), seg_map_path=str(label),
                    reduce_zero_label=False, seg_fields=[])

    cached = [LoadCheckedImageFromFile(cache=True),
              LoadCheckedAnnotations(num_classes=12, cache=True)]
    plain = [LoadCheckedImageFromFile(),
             LoadCheckedAnnotations(num_classes=12)]
    first = sample()
    for transform in cached:
        first = transform(first)
    expected = sample()
    for transform in plain:
        expected = transform(expected)
    first['img'][:] = 0  # as an in-place transform would
    first['gt_seg_map'][:] = 0
    image.unlink()
    label.unlink()
    again = sample()
    for transform in cached:
        again = transform(again)
    np.testing.assert_array_equal(again['img'], expected['img'])
    np.testing.assert_array_equal(again['gt_seg_map'],
                                  expected['gt_seg_map'])
    assert again['seg_fields'] == ['gt_seg_map']
    assert again['ori_shape'] == again['img_shape'] == (45, 60)
    with pytest.raises(BadSampleError, match='image file not found'):
        plain[0](sample())
    assert 'cache=True' in repr(cached[0]) and 'cache=True' in repr(
        cached[1])


def test_reduce_zero_label_ids_are_reported_as_stored(tmp_path):
    label = np.zeros((4, 4), np.uint8)
    label[0, 0] = 9
    from PIL import Image
    Image.fromarray(label).save(tmp_path / 'a.png')
    results = dict(
        seg_map_path=str(tmp_path / 'a.png'),
        reduce_zero_label=True,
        seg_fields=[])
    with pytest.raises(BadSampleError) as error:
        LoadCheckedAnnotations(num_classes=5)(results)
    assert 'label ids 9 are not classes; expected ids 1..5 (5 classes, ' \
        'reduce_zero_label), or 0, 255 (ignored)' in str(error.value)


def binary_label(path: Path, values) -> str:
    from PIL import Image
    label = np.zeros((6, 8), np.uint8)
    label[:, 3:5] = values[1]
    label[0, 0] = values[0]
    Image.fromarray(label).save(path)
    return str(path)


def test_an_unconverted_0_255_binary_mask_is_refused(tmp_path):
    """DRIVE's masks hold 0/255; read with 2 classes, 255 is ignored and no
    vessel would reach the loss or the metric."""
    path = binary_label(tmp_path / '21_manual1.png', (0, 255))
    results = dict(seg_map_path=path, reduce_zero_label=False, seg_fields=[])
    with pytest.raises(BadSampleError) as error:
        LoadCheckedAnnotations(num_classes=2)(dict(results))
    assert str(error.value) == (
        f'{path}: label values are 0 and 255 only, a binary mask not '
        'converted to class ids: with 2 classes 255 is ignored, so no '
        'foreground pixel would reach the loss or the metric; divide the '
        "label maps by 128 (0 and 1), as MMSeg's dataset converters do")
    converted = binary_label(tmp_path / 'ok.png', (0, 1))
    loaded = LoadCheckedAnnotations(num_classes=2)(
        dict(results, seg_map_path=converted))
    assert set(np.unique(loaded['gt_seg_map'])) == {0, 1}


def test_ignored_pixels_from_a_label_map_are_not_an_unconverted_mask(
        tmp_path):
    """One-vs-rest CamVid: void (11) becomes 255 through the label map; a
    frame without the class then holds 0 and 255 and is fine."""
    path = binary_label(tmp_path / 'frame.png', (0, 11))
    results = dict(seg_map_path=path, reduce_zero_label=False,
                   seg_fields=[], label_map={11: 255, 3: 1})
    loaded = LoadCheckedAnnotations(num_classes=2)(results)
    assert set(np.unique(loaded['gt_seg_map'])) == {0, 255}


def test_fov_mask_reaches_the_metric_through_the_pipeline(tmp_path):
    """DRIVE's layout with masks beside it: images/validation/0.png has
    fov/validation/0_mask.png; PackSegInputs carries it as ``fov_mask``."""
    from helpers import make_medical_data
    from PIL import Image
    root = Path(make_medical_data(tmp_path / 'drive', 'DRIVEDataset'))
    mask = np.zeros((45, 61), np.uint8)
    mask[5:40, 5:55] = 255
    (root / 'fov' / 'validation').mkdir(parents=True)
    for k in range(2):
        Image.fromarray(mask).save(root / 'fov' / 'validation' /
                                   f'{k}_mask.png')
    meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                 'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                 'reduce_zero_label', 'fov_mask')
    dataset = DATASETS.build(dict(
        type='DRIVEDataset', data_root=str(root),
        data_prefix=dict(img_path='images/validation',
                         seg_map_path='annotations/validation'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations'),
                  dict(type='LoadFOVMask'),
                  dict(type='PackSegInputs', meta_keys=meta_keys)]))
    fov = dataset[0]['data_samples'].fov_mask
    assert fov.dtype == bool and fov.shape == (45, 61)
    assert fov.sum() == 35 * 50
    (root / 'fov' / 'validation' / '1_mask.png').unlink()
    with pytest.raises(BadSampleError) as error:
        dataset[1]
    assert str(error.value) == (
        f'{root}/fov/validation/1_mask.png: field-of-view mask not found '
        f'(for {root}/images/validation/1.png); the FOV metric needs one '
        'per image')


def test_fov_mask_path_replaces_the_last_images_folder():
    load = TRANSFORMS.build(dict(type='LoadFOVMask'))
    assert load.mask_path('/d/images/x/images/training/21.tif') == \
        '/d/images/x/fov/training/21_mask.png'
    with pytest.raises(BadSampleError, match="no folder 'images' in the "
                       'path'):
        load.mask_path('/d/imgs/training/21.png')
