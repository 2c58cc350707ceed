"""Export a UNet++ segmentor to ONNX and check it against onnxruntime.

``python tools/deployment/pytorch2onnx.py CONFIG CKPT --out FILE
[--fast-level K] [--shape H W] [--dynamic] [--verify] [--cfg-options ...]``

Accurate mode by default; ``--fast-level K`` exports fast mode at level K as
the pruned sub-network alone (see ``tools/prune.py``). The graph takes the
image as MMCV loads it, ``(N, 3, H, W)`` float32 BGR 0..255 (normalisation
inside), and returns ``seg_logits`` ``(N, num_classes, H, W)``.
``--dynamic`` makes batch, height and width dynamic; ``--verify`` compares
onnxruntime's softmax with PyTorch's on random images.
"""
import os
import os.path as osp
import sys
from typing import Optional, Sequence

import torch

from mmseg_unetpp.apis import load_model
from mmseg_unetpp.apis.onnx_export import (
    export_onnx,
    import_deploy,
    onnx_parity,
    onnx_session,
)
from mmseg_unetpp.utils.errors import ConfigError, UserError
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    CfgOptionsAction,
    RenamedOption,
    parse_fast_level,
    run_tool,
)

TOLERANCE = 1e-4  # on the softmax


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--fast-level', type=parse_fast_level, metavar='K', help='fast '
        'mode at level K, the pruned sub-network alone (default: none, '
        'accurate mode)')
    parser.add_argument('--level', action=RenamedOption,
                        new='--fast-level K')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=(360, 480),
        metavar=('H', 'W'), help='input size (default: 360 480)')
    parser.add_argument(
        '--dynamic', action='store_true',
        help='dynamic batch, height and width')
    parser.add_argument(
        '--verify', action='store_true',
        help=f'compare onnxruntime with PyTorch (softmax within '
        f'{TOLERANCE:g})')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override settings of the config, key=value')
    args = parser.parse_args(argv)
    if min(args.shape) < 1:
        parser.error(f'--shape must be positive, got {args.shape}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import_deploy('onnx')
    import_deploy('onnxruntime')
    model = load_model(args.config, args.checkpoint, args.fast_level,
                       pruned=True, cfg_options=args.cfg_options)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    try:
        export_onnx(model, args.out, tuple(args.shape), args.dynamic)
    except ValueError as error:  # e.g. an input below the model's minimum
        raise ConfigError(f'cannot export at --shape {args.shape[0]} '
                          f'{args.shape[1]}: {error}') from None
    mode = ('accurate' if args.fast_level is None else
            f'fast, level {args.fast_level}')
    print(f'{args.out}: {mode}, {"dynamic" if args.dynamic else "static"} '
          f'input, {osp.getsize(args.out)} bytes')
    if args.verify:
        h, w = args.shape
        shapes = [(1, h, w)]
        if args.dynamic:
            shapes += [(2, h + 17, w + 11)]
        session = onnx_session(args.out, torch.get_num_threads())
        gaps = onnx_parity(model, session, shapes)
        for (n, h, w), gap in zip(shapes, gaps):
            print(f'onnxruntime vs PyTorch, {n}x3x{h}x{w}: largest softmax '
                  f'difference {gap:.2e}')
        if max(gaps) > TOLERANCE:
            raise UserError(f'onnxruntime differs from PyTorch by more than '
                            f'{TOLERANCE:g}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
