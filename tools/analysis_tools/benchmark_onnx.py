"""CPU latency of onnxruntime against PyTorch eager, per prediction mode.

``python tools/analysis_tools/benchmark_onnx.py CONFIG [CKPT]
[--predictions accurate 2 ...] [--shape H W] [--iters N] [--threads T]``

Each prediction (``accurate``, or a level k: the pruned sub-network in fast
mode) is exported as ``tools/deployment/pytorch2onnx.py`` does (static
input of ``--shape``) and timed on one image: PyTorch eager runs the same
image-to-logits module (pre-processing, network, resize to the input),
onnxruntime the exported graph, both on the CPU with ``--threads`` threads.
Median of ``--iters`` after one warm-up run. Without CKPT the weights are
random (latency does not depend on their values).
"""
import argparse
import os.path as osp
import statistics
import tempfile
import time
from typing import Callable, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.apis import (
    PruningError,
    build_segmentor,
    prune,
    read_checkpoint,
    set_fast_mode,
)
from mmseg_unetpp.apis.onnx_export import (
    SegmentorLogits,
    export_onnx,
    import_deploy,
    onnx_logits,
    onnx_session,
)
from mmseg_unetpp.utils.launch import load_config


def median_ms(run: Callable[[], object], iters: int) -> float:
    """Median wall time of ``run()`` in ms, after one warm-up call."""
    run()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def prediction_model(cfg: Config, state_dict: dict,
                     level: Optional[int]) -> torch.nn.Module:
    """Accurate mode (``level`` None) or the pruned level, weights loaded."""
    if level is None:
        model = build_segmentor(cfg.model)
        model.load_state_dict(state_dict, strict=True)
        set_fast_mode(model, None)
        return model
    pruned = prune(cfg.model, state_dict, level)
    model = build_segmentor(pruned.model_cfg)
    model.load_state_dict(pruned.state_dict, strict=True)
    return model


def parse_predictions(values: List[str]) -> List[Optional[int]]:
    """``['accurate', '2']`` -> ``[None, 2]``."""
    out: List[Optional[int]] = []
    for value in values:
        if value == 'accurate':
            out.append(None)
        elif value.isdigit():
            out.append(int(value))
        else:
            raise SystemExit(f"error: --predictions takes 'accurate' or "
                             f'level numbers, got {value!r}')
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--predictions', nargs='+', default=['accurate', '2'],
                        help="'accurate' and/or levels (default: accurate 2)")
    parser.add_argument('--shape', type=int, nargs=2, default=(360, 480),
                        metavar=('H', 'W'))
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    try:
        import_deploy('onnxruntime')
    except ImportError as error:
        raise SystemExit(f'error: {error}') from None
    predictions = parse_predictions(args.predictions)
    cfg = load_config(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.checkpoint:
        try:
            state_dict, _ = read_checkpoint(args.checkpoint)
        except PruningError as error:
            raise SystemExit(f'error: {error}') from None
    else:
        state_dict = build_segmentor(cfg.model).state_dict()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, *args.shape, generator=generator) * 255
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for level in predictions:
            try:
                model = prediction_model(cfg, state_dict, level)
            except PruningError as error:
                raise SystemExit(f'error: {error}') from None
            path = osp.join(tmp, f'{level}.onnx')
            export_onnx(model, path, tuple(args.shape))
            graph = SegmentorLogits(model).eval()
            session = onnx_session(path, args.threads)
            array = image.numpy().astype(np.float32)
            with torch.no_grad():
                eager = median_ms(lambda: graph(image), args.iters)
            ort = median_ms(lambda: onnx_logits(session, array), args.iters)
            params = sum(p.numel() for p in model.parameters())
            name = 'accurate' if level is None else f'l{level} (fast)'
            rows.append((name, params / 1e6, osp.getsize(path) / 1e6, eager,
                         ort))
    print(f'\ninput 1x3x{args.shape[0]}x{args.shape[1]}, {args.threads} CPU '
          f'threads, median of {args.iters}')
    print('| prediction | params (M) | ONNX (MB) | PyTorch eager (ms) | '
          'onnxruntime (ms) |')
    print('|---|---|---|---|---|')
    for name, params, size, eager, ort in rows:
        print(f'| {name} | {params:.3f} | {size:.2f} | {eager:.1f} | '
              f'{ort:.1f} |')


if __name__ == '__main__':
    main()
