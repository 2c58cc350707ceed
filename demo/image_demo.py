"""Segment one image and save the overlay with a class legend.

``python demo/image_demo.py IMG CONFIG CKPT [--out-file F]
[--fast-level K|none] [--device cpu] [--opacity A] [--with-labels]``

``--fast-level K`` predicts in fast mode at level K, ``--fast-level none``
in accurate mode; by default as the config says.

The model is loaded by ``mmseg_unetpp.apis.load_model`` (MMSeg's
``init_model``, but a checkpoint that does not fit is refused) and run
with MMSeg's ``inference_model``; the overlay is drawn by
``SegLegendVisualizer`` (MMSeg's ``SegLocalVisualizer`` plus a legend;
small images are drawn enlarged). A pruned pair from ``tools/prune.py``
works as it is.
"""
import os
import os.path as osp
import sys
from typing import Optional, Sequence

import mmcv
from mmseg.apis import inference_model

from mmseg_unetpp.apis import load_model
from mmseg_unetpp.apis.inference import FROM_CONFIG
from mmseg_unetpp.utils.errors import BadSampleError
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    RenamedOption,
    parse_fast_level,
    require_file,
    run_tool,
)
from mmseg_unetpp.visualization import SegLegendVisualizer


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-file', default='demo_overlay.png', help='overlay to write '
        '(default: demo_overlay.png)')
    parser.add_argument(
        '--fast-level', type=parse_fast_level, default=FROM_CONFIG,
        metavar='K', help="fast mode at level K, or none for accurate mode "
        "(default: the config's)")
    for old in ('--mode', '--level'):
        parser.add_argument(old, action=RenamedOption, new='--fast-level')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0')
    parser.add_argument(
        '--opacity', type=float, default=0.5,
        help='opacity of the class colours, in (0, 1] (default: 0.5)')
    parser.add_argument(
        '--with-labels', action='store_true',
        help="also write class names on the regions (MMSeg's labels)")
    args = parser.parse_args(argv)
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    require_file(args.img, 'image')
    image = mmcv.imread(args.img)
    if image is None:
        raise BadSampleError(f'{args.img}: cannot decode the image '
                             '(truncated, or not an image file)')
    image = mmcv.bgr2rgb(image)
    model = load_model(args.config, args.checkpoint, args.fast_level,
                       device=args.device)
    result = inference_model(model, args.img)
    visualizer = SegLegendVisualizer(alpha=args.opacity)
    visualizer.dataset_meta = dict(
        classes=model.dataset_meta['classes'],
        palette=model.dataset_meta['palette'])
    if osp.dirname(args.out_file):
        os.makedirs(osp.dirname(args.out_file), exist_ok=True)
    visualizer.add_datasample(
        osp.basename(args.img),
        image,
        data_sample=result,
        draw_gt=False,
        out_file=args.out_file,
        with_labels=args.with_labels)
    fast_level = getattr(model.decode_head, 'fast_level', None)
    mode = 'accurate' if fast_level is None else f'fast, level {fast_level}'
    print(f'{args.out_file}: {mode}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
