"""Refuse retinal data that MMSeg's dataset converters have not prepared.

MMSeg's ``DRIVEDataset``, ``ChaseDB1Dataset``, ``STAREDataset`` and
``HRFDataset`` read the layout that MMSeg's converters
(``tools/dataset_converters/drive.py``...) write from the public archives:
``images/{training,validation}`` of PNG images and
``annotations/{training,validation}`` of label maps holding 0 and 1. Given
the archives' own files instead, they fail far from the cause: a missing
folder ends in ``FileNotFoundError``, JPEG images (CHASE_DB1's) in an empty
dataset and ``need at least one array to concatenate``, and 0/255 labels
train a model that never sees a vessel (255 is ignored). The tools
(``tools/train.py``, ``tools/test.py``) check the folders before any
dataset is built and stop with one line naming the file and the converter
command to run.
"""
import inspect
import os
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Tuple

import numpy as np
from PIL import Image

from ..utils.dataset_config import inner_datasets
from ..utils.errors import BadSampleError


class Release(NamedTuple):
    """A retinal set's public release and MMSeg's converter of it."""
    name: str
    converter: str
    archives: str


RELEASES = {
    'DRIVEDataset': Release('DRIVE', 'drive.py', 'training.zip test.zip'),
    'ChaseDB1Dataset': Release('CHASE_DB1', 'chase_db1.py', 'CHASEDB1.zip'),
    'STAREDataset': Release('STARE', 'stare.py',
                            'stare-images.tar labels-ah.tar labels-vk.tar'),
    'HRFDataset': Release(
        'HRF', 'hrf.py', 'healthy.zip healthy_manualsegm.zip glaucoma.zip '
        'glaucoma_manualsegm.zip diabetic_retinopathy.zip '
        'diabetic_retinopathy_manualsegm.zip'),
}


def converter_command(release: Release, data_root: str) -> str:
    """The command that writes ``release`` in MMSeg's layout at
    ``data_root``, with the path of the converter that MMSeg's
    installation ships (``mmseg/.mim/tools/dataset_converters``)."""
    import mmseg
    script = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'tools', 'dataset_converters',
        release.converter)
    return f'python {script} {release.archives} -o {data_root}'


def _dataset_type(dataset: dict) -> Optional[str]:
    kind = dataset.get('type')
    return kind if isinstance(kind, str) else getattr(kind, '__name__', None)


def _suffixes(dataset: dict, kind: str) -> Tuple[str, str]:
    """The dataset's ``img_suffix`` and ``seg_map_suffix``: the config's,
    else its class's defaults."""
    from mmseg.registry import DATASETS
    defaults = {}
    cls = DATASETS.get(kind)
    if cls is not None:
        defaults = {
            name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
    return (dataset.get('img_suffix', defaults.get('img_suffix', '.png')),
            dataset.get('seg_map_suffix',
                        defaults.get('seg_map_suffix', '.png')))


def _files(folder: str) -> List[str]:
    """Files under ``folder`` (recursively, as MMSeg lists them), relative
    and sorted; hidden files left out."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        rel = osp.relpath(root, folder)
        found.extend(
            osp.normpath(osp.join(rel, n)) for n in sorted(names)
            if not n.startswith('.'))
    return found


def _label_values(path: str) -> Optional[set]:
    """The values of a single-channel label file; None when it does not
    decode (the data check reports it)."""
    try:
        with Image.open(path) as im:
            label = np.asarray(im)
    except (OSError, SyntaxError, ValueError):
        return None
    if label.ndim != 2:
        return None
    return set(np.unique(label.astype(np.int64)).tolist())


def check_retinal_dataset(dataset: dict, key: str) -> None:
    """Check one dataset config of MMSeg's retinal sets (others pass).

    The image folder must exist and hold images with the dataset's
    ``img_suffix``; the first image's label map must exist and hold class
    ids, not the release's 0/255. The data check (``DataCheckHook``) then
    decodes every sample.

    Args:
        dataset (dict): A dataset config (no wrapper).
        key (str): Its config key, for the message.

    Raises:
        BadSampleError: one line naming the folder or file and the
            converter command.
    """
    kind = _dataset_type(dataset)
    release = RELEASES.get(kind)
    if release is None:
        return
    data_root = dataset.get('data_root') or ''
    prefix = dataset.get('data_prefix') or {}
    img_dir = osp.join(data_root, prefix.get('img_path', ''))
    seg_dir = prefix.get('seg_map_path')
    seg_dir = osp.join(data_root, seg_dir) if seg_dir is not None else None
    img_suffix, seg_suffix = _suffixes(dataset, kind)
    fix = (f'convert the {release.name} release with MMSeg\'s converter: '
           f'{converter_command(release, data_root or "DATA_ROOT")}')
    if not osp.isdir(img_dir):
        raise BadSampleError(
            f'{img_dir}: image folder of {key} ({kind}) not found; {fix}')
    files = _files(img_dir)
    images = [f for f in files if f.endswith(img_suffix)]
    if not images:
        if files:
            raise BadSampleError(
                f'{osp.join(img_dir, files[0])}: {kind} reads '
                f'{img_suffix!r} images and {img_dir} holds none, only '
                f'{len(files)} other file(s) such as this one, as the '
                f'{release.name} release names them; {fix}')
        raise BadSampleError(f'{img_dir}: no {img_suffix!r} image in the '
                             f'image folder of {key} ({kind}); {fix}')
    if seg_dir is None:
        return
    label = osp.join(seg_dir, images[0][:-len(img_suffix)] + seg_suffix)
    if not osp.isfile(label):
        held = _files(seg_dir) if osp.isdir(seg_dir) else []
        where = (f'{seg_dir} holds {held[0]}' if held else
                 f'{seg_dir} is empty' if osp.isdir(seg_dir) else
                 f'{seg_dir} does not exist')
        raise BadSampleError(
            f'{label}: label map of {osp.join(img_dir, images[0])} not '
            f'found ({kind} names it with {seg_suffix!r}; {where}); {fix}')
    values = _label_values(label)
    if values is not None and 255 in values and values <= {0, 255}:
        raise BadSampleError(
            f'{label}: label values 0 and 255, the {release.name} '
            f'release\'s mask; {kind} needs 0 (background) and 1 (vessel), '
            f'as MMSeg\'s converter writes them (it divides by 128): {fix}')


def retinal_datasets(cfg, loaders) -> Iterator[Tuple[str, dict]]:
    """``(key, dataset config)`` of each retinal dataset of ``loaders``
    (``'train_dataloader'``...) in ``cfg``, inside dataset wrappers."""
    for loader in loaders:
        dataset = (cfg.get(loader) or {}).get('dataset')
        if not dataset:
            continue
        for key, inner in inner_datasets(dataset, f'{loader}.dataset'):
            if _dataset_type(inner) in RELEASES:
                yield key, inner


def check_retinal_data(cfg, loaders) -> None:
    """:func:`check_retinal_dataset` for each retinal dataset of
    ``loaders`` in ``cfg``."""
    for key, dataset in retinal_datasets(cfg, loaders):
        check_retinal_dataset(dataset, key)
