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
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch

from mmseg_unetpp.apis import SegmentorLogits, load_model
from mmseg_unetpp.apis.onnx_export import (
    export_onnx,
    import_deploy,
    onnx_logits,
    onnx_session,
)
from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.launch import ArgumentParser, run_tool


def median_ms(run: Callable[[], object], iters: int) -> float:
    """Median wall time of ``run()`` in ms, after one warm-up call."""
    run()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--predictions', nargs='+', default=['accurate', '2'],
                        help="'accurate' and/or levels (default: accurate 2)")
    parser.add_argument('--shape', type=int, nargs=2, default=(360, 480),
                        metavar=('H', 'W'))
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args(argv)
    for value in args.predictions:
        if value != 'accurate' and not value.isdigit():
            parser.error("--predictions takes 'accurate' or level numbers, "
                         f'got {value!r}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import_deploy('onnxruntime')
    # fast_level of each: None for accurate mode.
    predictions: List[Optional[int]] = [
        None if p == 'accurate' else int(p) for p in args.predictions
    ]
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, *args.shape, generator=generator) * 255
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for level in predictions:
            model = load_model(args.config, args.checkpoint, level,
                               pruned=True)
            path = osp.join(tmp, f'{level or "accurate"}.onnx')
            export_onnx(model, path, tuple(args.shape))
            graph = SegmentorLogits(model).eval()
            session = onnx_session(path, args.threads)
            array = image.numpy().astype(np.float32)
            with torch.no_grad():
                eager = median_ms(lambda: graph(image), args.iters)
            ort = median_ms(lambda: onnx_logits(session, array), args.iters)
            params = sum(p.numel() for p in model.parameters())
            name = ('accurate' if level is None else
                    f'{Levels(level).name} (fast)')
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
    sys.exit(run_tool(main))
