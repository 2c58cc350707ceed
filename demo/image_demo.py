"""Segment one image and save the overlay with a class legend.

``python demo/image_demo.py IMG CONFIG CKPT [--out-file F]
[--mode accurate|fast] [--level K] [--device cpu] [--opacity A]
[--with-labels]``

The model is loaded with MMSeg's ``mmseg.apis.init_model`` and run with
``inference_model``; the overlay is drawn by ``SegLegendVisualizer``
(MMSeg's ``SegLocalVisualizer`` plus a legend; small images are drawn
enlarged). ``--level K`` alone means fast mode at level K; a pruned pair
from ``tools/prune.py`` works as it is.
"""
import argparse
import os
import os.path as osp

import mmcv
import torch
from mmseg.apis import inference_model, init_model

import mmseg_unetpp  # noqa: F401  (registers the package's modules)
from mmseg_unetpp.apis import PruningError, check_state_dict, read_checkpoint
from mmseg_unetpp.utils.launch import load_config, require_file
from mmseg_unetpp.visualization import SegLegendVisualizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-file', default='demo_overlay.png', help='overlay to write '
        '(default: demo_overlay.png)')
    parser.add_argument(
        '--mode', choices=('accurate', 'fast'),
        help="inference mode (default: the config's; fast with --level)")
    parser.add_argument('--level', type=int, help='fast-mode level K')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0')
    parser.add_argument(
        '--opacity', type=float, default=0.5,
        help='opacity of the class colours, in (0, 1] (default: 0.5)')
    parser.add_argument(
        '--with-labels', action='store_true',
        help="also write class names on the regions (MMSeg's labels)")
    args = parser.parse_args()
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    if args.level is not None:
        if args.mode == 'accurate':
            parser.error('--level K selects fast mode; drop --mode accurate')
        args.mode = 'fast'
    return args


def main() -> None:
    args = parse_args()
    require_file(args.img, 'image')
    require_file(args.checkpoint, 'checkpoint')
    image = mmcv.imread(args.img)
    if image is None:
        raise SystemExit(f'error: cannot read an image from {args.img}')
    image = mmcv.bgr2rgb(image)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'error: --device {args.device}: no CUDA device '
                         'is available')
    cfg = load_config(args.config)
    head = cfg.model.decode_head
    if args.mode is not None:
        head.mode = args.mode
    if args.level is not None:
        head.level = args.level
    try:
        state_dict, _ = read_checkpoint(args.checkpoint)
        model = init_model(cfg, args.checkpoint, device=args.device)
        # init_model loads leniently; a partly loaded model is refused.
        check_state_dict(model, state_dict, args.checkpoint)
    except (PruningError, ValueError) as error:  # e.g. a level not built
        raise SystemExit(f'error: {error}') from None
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
    mode = model.decode_head.mode
    if mode == 'fast':
        mode += f', level {model.decode_head.level}'
    print(f'{args.out_file}: {mode}')


if __name__ == '__main__':
    main()
