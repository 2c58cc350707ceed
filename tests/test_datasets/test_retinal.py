"""Retinal data left as its public release ships it is refused in one line
naming the file and MMSeg's converter; a field-of-view mask of another
size than its image is found by the data check. Generated data only."""
import os.path as osp
from pathlib import Path

import mmcv
import numpy as np
import pytest
from helpers import MEDICAL, make_medical_data
from mmengine.config import Config

from mmseg_unetpp.datasets.retinal import check_retinal_data
from mmseg_unetpp.utils.errors import BadSampleError
from mmseg_unetpp.utils.launch import data_root_options

REPO = Path(__file__).resolve().parents[2]
# A shipped config of each retinal set.
CONFIGS = {
    'DRIVEDataset': 'configs/unetpp/'
    'unetpp_efficientnet-lite0_ds-ce-dice_1xb4-10k_drive-64x64.py',
    'ChaseDB1Dataset': 'configs/unetpp/'
    'unetpp-l4-w32_ds-ce-dice_4xb4-40k_chase-db1-128x128.py',
    'STAREDataset': 'configs/unetpp/'
    'unetpp-l4-w32_ds-ce-dice_4xb4-40k_stare-128x128.py',
    'HRFDataset': 'configs/unetpp/'
    'unetpp-l4-w32_ds-ce-dice_4xb4-40k_hrf-256x256.py',
}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def shipped(kind: str, root) -> Config:
    cfg = Config.fromfile(str(REPO / CONFIGS[kind]))
    cfg.merge_from_dict(data_root_options(cfg, str(root)))
    return cfg


def converter(name: str) -> str:
    import mmseg
    return osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                    'dataset_converters', name)


@pytest.mark.parametrize('kind', MEDICAL)
def test_converted_data_passes(tmp_path, kind):
    root = make_medical_data(tmp_path / kind, kind)
    check_retinal_data(shipped(kind, root), LOADERS)


def test_missing_image_folder_names_it_and_the_converter(tmp_path):
    root = tmp_path / 'DRIVE'
    root.mkdir()
    with pytest.raises(BadSampleError) as error:
        check_retinal_data(shipped('DRIVEDataset', root), LOADERS)
    assert str(error.value) == (
        f'{root}/images/training: image folder of '
        'train_dataloader.dataset.dataset (DRIVEDataset) not found; convert '
        "the DRIVE release with MMSeg's converter: python "
        f"{converter('drive.py')} training.zip test.zip -o {root}")


def test_release_images_name_a_file_and_the_converter(tmp_path):
    """CHASE_DB1's archive holds JPEG images: ``ChaseDB1Dataset`` would
    find no ``.png`` and build an empty set."""
    root = Path(make_medical_data(tmp_path / 'chase', 'ChaseDB1Dataset'))
    for png in (root / 'images' / 'training').glob('*.png'):
        mmcv.imwrite(mmcv.imread(str(png)), str(png.with_name(
            f'Image_0{png.stem}L.jpg')))
        png.unlink()
    with pytest.raises(BadSampleError) as error:
        check_retinal_data(shipped('ChaseDB1Dataset', root), LOADERS)
    message = str(error.value)
    assert message.startswith(
        f"{root}/images/training/Image_00L.jpg: ChaseDB1Dataset reads '.png' "
        f'images and {root}/images/training holds none, only 2 other '
        'file(s) such as this one')
    assert message.endswith(
        f"{converter('chase_db1.py')} CHASEDB1.zip -o {root}")
    assert '\n' not in message


def test_release_label_names_name_the_missing_label(tmp_path):
    """STARE's labels as the archive names them (``im0001.ah.ppm``)."""
    root = Path(make_medical_data(tmp_path / 'stare', 'STAREDataset'))
    for label in (root / 'annotations' / 'training').glob('*.ah.png'):
        label.rename(label.with_name(label.name.replace('.ah.png',
                                                        '.ah.ppm')))
    with pytest.raises(BadSampleError) as error:
        check_retinal_data(shipped('STAREDataset', root), LOADERS)
    assert str(error.value).startswith(
        f'{root}/annotations/training/0.ah.png: label map of '
        f"{root}/images/training/0.png not found (STAREDataset names it "
        f"with '.ah.png'; {root}/annotations/training holds 0.ah.ppm); "
        'convert the STARE release')


@pytest.mark.parametrize('kind', ['ChaseDB1Dataset', 'STAREDataset'])
def test_unconverted_0_255_labels_name_the_file_and_the_converter(
        tmp_path, kind):
    root = Path(make_medical_data(tmp_path / kind, kind))
    labels = sorted((root / 'annotations' / 'validation').iterdir())
    for label in labels:
        mmcv.imwrite(mmcv.imread(str(label), 'unchanged') * 255, str(label))
    with pytest.raises(BadSampleError) as error:
        check_retinal_data(shipped(kind, root), ['val_dataloader'])
    name, script = {'ChaseDB1Dataset': ('CHASE_DB1', 'chase_db1.py'),
                    'STAREDataset': ('STARE', 'stare.py')}[kind]
    assert str(error.value).startswith(
        f"{labels[0]}: label values 0 and 255, the {name} release's mask; "
        f'{kind} needs 0 (background) and 1 (vessel)')
    assert converter(script) in str(error.value)
    # Training data untouched: the training set alone passes.
    check_retinal_data(shipped(kind, root), ['train_dataloader'])


def test_data_check_finds_a_fov_mask_of_another_size(tmp_path):
    """DRIVE's masks beside its images (``fov/validation/N_mask.png``),
    with ``LoadFOVMask`` in the pipeline: a mask of the wrong size is a
    problem of the data check, naming the mask and the image."""
    from mmseg.registry import DATASETS

    from mmseg_unetpp.datasets import check_dataset_samples
    from mmseg_unetpp.datasets.sample_check import dataset_samples
    root = Path(make_medical_data(tmp_path / 'drive', 'DRIVEDataset'))
    (root / 'fov' / 'validation').mkdir(parents=True)
    for k, size in enumerate([(45, 61), (44, 61)]):
        mmcv.imwrite(np.full(size, 255, np.uint8),
                     str(root / 'fov' / 'validation' / f'{k}_mask.png'))
    dataset = DATASETS.build(dict(
        type='DRIVEDataset', data_root=str(root),
        data_prefix=dict(img_path='images/validation',
                         seg_map_path='annotations/validation'),
        pipeline=[dict(type='LoadCheckedImageFromFile'),
                  dict(type='LoadCheckedAnnotations'),
                  dict(type='LoadFOVMask'),
                  dict(type='PackSegInputs')]))
    reports = check_dataset_samples(dataset_samples(dataset))
    assert [r.problems for r in reports] == [[], [
        f'{root}/fov/validation/1_mask.png: field-of-view mask is 44x61 but '
        f'{root}/images/validation/1.png is 45x61 (HxW)']]
