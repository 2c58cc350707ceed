"""Export a UNet++ segmentor to ONNX and check it against onnxruntime.

``python tools/deployment/pytorch2onnx.py CONFIG CKPT --out FILE [--level K]
[--shape H W] [--dynamic] [--verify] [--cfg-options ...]``

Accurate mode by default; ``--level K`` exports fast mode at level K as the
pruned sub-network alone (see ``tools/prune.py``). The graph takes the
image as MMCV loads it, ``(N, 3, H, W)`` float32 BGR 0..255 (normalisation
inside), and returns ``seg_logits`` ``(N, num_classes, H, W)``.
``--dynamic`` makes batch, height and width dynamic; ``--verify`` compares
onnxruntime's softmax with PyTorch's on random images.
"""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401  (registers the package's modules)
from mmseg_unetpp.apis import (
    PruningError,
    build_segmentor,
    check_state_dict,
    prune,
    read_checkpoint,
    set_fast_mode,
)
from mmseg_unetpp.apis.onnx_export import (
    export_onnx,
    import_deploy,
    onnx_parity,
    onnx_session,
)
from mmseg_unetpp.models.decode_heads import DeepSupervisionHead
from mmseg_unetpp.utils.launch import load_config

TOLERANCE = 1e-4  # on the softmax


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--level', type=int, help='fast mode at level K, the pruned '
        'sub-network alone (default: accurate mode)')
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
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def load_model(cfg: Config, checkpoint: str,
               level: Optional[int]) -> torch.nn.Module:
    """The segmentor to export: accurate mode, or the pruned level."""
    state_dict, _ = read_checkpoint(checkpoint)
    if level is not None:
        pruned = prune(cfg.model, state_dict, level, source=checkpoint)
        model = build_segmentor(pruned.model_cfg)
        model.load_state_dict(pruned.state_dict, strict=True)
        return model
    model = build_segmentor(cfg.model)
    check_state_dict(model, state_dict, checkpoint)
    model.load_state_dict(state_dict, strict=True)
    if isinstance(model.decode_head, DeepSupervisionHead):
        set_fast_mode(model, None)
    return model


def main() -> None:
    args = parse_args()
    try:
        import_deploy('onnx')
        import_deploy('onnxruntime')
    except ImportError as error:
        raise SystemExit(f'error: {error}') from None
    if min(args.shape) < 1:
        raise SystemExit(f'error: --shape must be positive, got {args.shape}')
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    try:
        model = load_model(cfg, args.checkpoint, args.level)
    except PruningError as error:
        raise SystemExit(f'error: {error}') from None
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    try:
        export_onnx(model, args.out, tuple(args.shape), args.dynamic)
    except ValueError as error:  # e.g. an input below the model's minimum
        raise SystemExit(f'error: cannot export at --shape '
                         f'{args.shape[0]} {args.shape[1]}: {error}') from None
    mode = 'accurate' if args.level is None else f'fast, level {args.level}'
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
            raise SystemExit(f'error: onnxruntime differs from PyTorch by '
                             f'more than {TOLERANCE:g}')


if __name__ == '__main__':
    main()
