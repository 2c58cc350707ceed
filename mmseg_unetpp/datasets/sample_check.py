"""Check every sample of a dataset before a run.

Each image and label map is decoded fully by the checked loading transforms
(:class:`LoadCheckedImageFromFile`, :class:`LoadCheckedAnnotations`), the
same code that loads them during training, validation and test, so a sample
passes the check exactly when it loads; so is its field-of-view mask, where
the pipeline has ``LoadFOVMask``. On top of that the file headers are
read to note images that are not RGB (grayscale, RGBA...: converted to RGB
when loaded) and to refuse label maps whose ids do not fit in 8 bits (MMSeg
casts labels to uint8, which would wrap id 256 to 0).

Used by ``DataCheckHook`` (``tools/train.py`` runs it before training) and by
``tools/dataset_converters/camvid.py check``.
"""
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations
from PIL import Image

from ..utils.errors import BadSampleError
from .transforms import (
    LoadCheckedAnnotations,
    LoadCheckedImageFromFile,
    LoadFOVMask,
)

# Pillow modes of images that are not RGB; they are converted when loaded.
IMAGE_MODES = {
    'L': 'grayscale',
    'LA': 'grayscale+alpha',
    'RGBA': 'RGBA',
    'P': 'palette',
    'I;16': '16-bit grayscale',
    'I': '32-bit grayscale',
    'CMYK': 'CMYK',
    '1': '1-bit',
}
# Pillow modes of label maps with integer ids wider than 8 bits.
WIDE_LABEL_MODES = ('I;16', 'I;16B', 'I;16L', 'I')


@dataclass
class SampleReport:
    """What the check found for one sample.

    Attributes:
        img_path (str): The image.
        seg_map_path (str, optional): The label map.
        problems (list[str]): Why the sample cannot be used; each message
            names the file. Empty when the sample is good.
        notes (list[str]): Conversions done when loading (non-RGB images).
        image_shape (tuple[int, int], optional): (H, W) of the decoded image.
        label_ids (tuple[int, ...]): Ids in the label file as stored (before
            the dataset's label map).
    """
    img_path: str
    seg_map_path: Optional[str] = None
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    image_shape: Optional[Tuple[int, int]] = None
    label_ids: Tuple[int, ...] = ()


def pipeline_loaders(
    pipeline=None
) -> Tuple[LoadCheckedImageFromFile, LoadCheckedAnnotations]:
    """The checked loaders of a pipeline.

    A pipeline's checked loaders are used as they are; MMCV's or MMSeg's
    plain loaders are replaced by checked ones with the same file backend.

    Args:
        pipeline (Compose, optional): A dataset's pipeline.

    Returns:
        tuple: The image loader and the label loader.
    """
    transforms = list(getattr(pipeline, 'transforms', None) or [])
    image = next(
        (t for t in transforms if isinstance(t, LoadImageFromFile)), None)
    label = next((t for t in transforms if isinstance(t, LoadAnnotations)),
                 None)
    if not isinstance(image, LoadCheckedImageFromFile):
        image = LoadCheckedImageFromFile(
            backend_args=getattr(image, 'backend_args', None))
    if not isinstance(label, LoadCheckedAnnotations):
        label = LoadCheckedAnnotations(
            backend_args=getattr(label, 'backend_args', None))
    return image, label


def pipeline_fov_loader(pipeline=None) -> Optional[LoadFOVMask]:
    """The pipeline's ``LoadFOVMask``, if it has one."""
    transforms = list(getattr(pipeline, 'transforms', None) or [])
    return next((t for t in transforms if isinstance(t, LoadFOVMask)), None)


def _header_mode(path: str) -> Optional[str]:
    """The Pillow mode of a local image file; None if it cannot be read (the
    loaders report why)."""
    if not osp.isfile(path):
        return None
    try:
        with Image.open(path) as im:
            return im.mode
    except (OSError, SyntaxError, ValueError):
        return None


def _raw_label_ids(path: str, report: SampleReport) -> None:
    """Record the ids stored in a local label file; refuse ids > 255."""
    if not osp.isfile(path):
        return
    try:
        with Image.open(path) as im:
            mode = im.mode
            label = np.asarray(im)
    except (OSError, SyntaxError, ValueError):
        return  # the label loader reports it
    if label.ndim != 2:
        return
    if mode in WIDE_LABEL_MODES:
        ids = np.unique(label)
        if ids.size and (ids.min() < 0 or ids.max() > 255):
            report.problems.append(
                f'{path}: label ids up to {int(ids.max())} in a {mode} '
                'image do not fit in 8 bits (labels are loaded as uint8); '
                'expected a single-channel 8-bit PNG of class ids')
    else:
        ids = np.flatnonzero(
            np.bincount(label.astype(np.uint8).ravel(), minlength=256))
    report.label_ids = tuple(int(i) for i in ids)


def check_sample(data_info: dict,
                 image_loader: LoadCheckedImageFromFile,
                 label_loader: LoadCheckedAnnotations,
                 fov_loader: Optional[LoadFOVMask] = None) -> SampleReport:
    """Decode one sample fully and check it.

    Args:
        data_info (dict): A dataset sample (``img_path``, ``seg_map_path``,
            ``label_map``, ``reduce_zero_label``, ``num_classes``...).
        image_loader (LoadCheckedImageFromFile): Loads the image.
        label_loader (LoadCheckedAnnotations): Loads and checks the label.
        fov_loader (LoadFOVMask, optional): Loads the image's field-of-view
            mask (missing, undecodable, or of another size than the image:
            a problem).

    Returns:
        SampleReport: Its problems (empty when it loads) and notes.
    """
    results = dict(data_info, seg_fields=[])
    report = SampleReport(
        img_path=results['img_path'],
        seg_map_path=results.get('seg_map_path'))
    try:
        image_loader(results)
    except BadSampleError as error:
        report.problems.append(str(error))
    else:
        report.image_shape = tuple(results['ori_shape'][:2])
        mode = _header_mode(report.img_path)
        if mode is not None and mode != 'RGB':
            kind = IMAGE_MODES.get(mode, mode)
            report.notes.append(f'{report.img_path}: {kind} image ({mode}), '
                                'converted to RGB when loaded')
        if fov_loader is not None:
            try:
                fov_loader(results)
            except BadSampleError as error:
                report.problems.append(str(error))
    if report.seg_map_path is not None:
        _raw_label_ids(report.seg_map_path, report)
        try:
            label_loader(results)
        except BadSampleError as error:
            report.problems.append(str(error))
    return report


def default_workers() -> int:
    """Threads for decoding: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def check_samples(data_infos: Sequence[dict],
                  image_loader: LoadCheckedImageFromFile,
                  label_loader: LoadCheckedAnnotations,
                  num_workers: Optional[int] = None,
                  fov_loader: Optional[LoadFOVMask] = None
                  ) -> List[SampleReport]:
    """:func:`check_sample` for many samples, decoded by several threads.

    Args:
        data_infos (Sequence[dict]): The samples.
        image_loader (LoadCheckedImageFromFile): Loads the images.
        label_loader (LoadCheckedAnnotations): Loads the label maps.
        num_workers (int, optional): Threads. Default: :func:`default_workers`.
        fov_loader (LoadFOVMask, optional): Loads the field-of-view masks.

    Returns:
        list[SampleReport]: In the order of ``data_infos``.
    """
    workers = num_workers or default_workers()
    if workers == 1 or len(data_infos) < 2:
        return [
            check_sample(info, image_loader, label_loader, fov_loader)
            for info in data_infos
        ]
    with ThreadPoolExecutor(workers) as pool:
        return list(
            pool.map(
                lambda info: check_sample(info, image_loader, label_loader,
                                          fov_loader), data_infos))


def leaf_datasets(dataset) -> Iterator:
    """The datasets inside MMEngine's dataset wrappers (Concat, Repeat,
    ClassBalanced), or ``dataset`` itself."""
    if hasattr(dataset, 'datasets'):
        for child in dataset.datasets:
            yield from leaf_datasets(child)
    elif hasattr(dataset, 'dataset'):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def dataset_samples(dataset) -> List[Tuple[dict, object]]:
    """Every sample of a (wrapped) dataset with the pipeline loading it.

    Args:
        dataset: An MMEngine ``BaseDataset`` or a dataset wrapper.

    Returns:
        list[tuple[dict, Compose]]: ``(data_info, pipeline)`` pairs; a
        sample repeated by a wrapper is listed once. Each ``data_info``
        holds ``num_classes`` (of its dataset's classes), for the label
        check.
    """
    samples = []
    for leaf in leaf_datasets(dataset):
        if hasattr(leaf, 'full_init'):
            leaf.full_init()
        pipeline = getattr(leaf, 'pipeline', None)
        classes = leaf.metainfo.get('classes') or ()
        for index in range(len(leaf)):
            info = leaf.get_data_info(index)
            # Label ids are checked against the classes of any dataset.
            info.setdefault('num_classes', len(classes) or None)
            samples.append((info, pipeline))
    return samples


def check_dataset_samples(samples: Sequence[Tuple[dict, object]],
                          num_workers: Optional[int] = None
                          ) -> List[SampleReport]:
    """Check ``(data_info, pipeline)`` pairs from :func:`dataset_samples`,
    each with its own pipeline's loaders.

    Args:
        samples (Sequence[tuple[dict, Compose]]): The samples.
        num_workers (int, optional): Decoding threads.

    Returns:
        list[SampleReport]: In the order of ``samples``.
    """
    reports: List[SampleReport] = []
    by_pipeline: dict = {}
    for position, (info, pipeline) in enumerate(samples):
        by_pipeline.setdefault(id(pipeline), (pipeline, []))[1].append(
            (position, info))
    ordered: List[Optional[SampleReport]] = [None] * len(samples)
    for pipeline, items in by_pipeline.values():
        image_loader, label_loader = pipeline_loaders(pipeline)
        found = check_samples([info for _, info in items], image_loader,
                              label_loader, num_workers,
                              pipeline_fov_loader(pipeline))
        for (position, _), report in zip(items, found):
            ordered[position] = report
    reports.extend(r for r in ordered if r is not None)
    return reports
