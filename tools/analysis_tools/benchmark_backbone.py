"""Time a training step and inference of UNet++ against MMSeg's UNet.

``python tools/analysis_tools/benchmark_backbone.py [--size 176 240]
[--batch 2] [--width 32] [--iters 10] [--threads N]``

Both backbones at the same width and depth (5 stages); a step is forward,
a mean-square loss over the outputs, backward and an SGD update. Prints
milliseconds per step (median over ``--iters`` after two warm-up steps),
parameters, and per-level numbers for UNet++ (pruned inference).
"""
import argparse
import statistics
import time
from typing import Callable, Dict

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401


def median_ms(fn: Callable[[], None], iters: int) -> float:
    for _ in range(2):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure(model: torch.nn.Module, x: torch.Tensor,
            iters: int) -> Dict[str, float]:
    optim = torch.optim.SGD(model.parameters(), lr=1e-3)

    def train_step():
        model.train()
        optim.zero_grad()
        outs = model(x)
        sum(o.float().square().mean() for o in outs).backward()
        optim.step()

    def infer():
        model.eval()
        with torch.no_grad():
            model(x)

    return dict(
        train_ms=median_ms(train_step, iters),
        infer_ms=median_ms(infer, iters),
        params_m=sum(p.numel() for p in model.parameters()) / 1e6)


def gflops(model: torch.nn.Module, x: torch.Tensor) -> float:
    model.eval()
    analyzer = FlopAnalyzer(model, (x, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, nargs=2, default=(176, 240))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--width', type=int, default=32)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, *args.size)
    models = {
        'UNet (MMSeg)':
        dict(type='UNet', base_channels=args.width, num_stages=5),
        'UNet++ L4 (dense)':
        dict(type='UNetPlusPlus', base_channels=args.width, num_stages=5),
    }
    print(f'input {args.batch}x3x{args.size[0]}x{args.size[1]}, width '
          f'{args.width}, {torch.get_num_threads()} threads, torch '
          f'{torch.__version__}')
    print(f'{"backbone":28s} {"params M":>9s} {"train ms":>9s} '
          f'{"infer ms":>9s}')
    for name, cfg in models.items():
        try:
            r = measure(MODELS.build(cfg), x, args.iters)
        except AssertionError as error:  # MMSeg's UNet: sides % 16 == 0
            print(f'{name:28s} skipped: {error}')
            continue
        print(f'{name:28s} {r["params_m"]:9.2f} {r["train_ms"]:9.1f} '
              f'{r["infer_ms"]:9.1f}')
    print('\nUNet++ pruned inference per level')
    print(f'{"level":>5s} {"params M":>9s} {"GFLOPs":>8s} {"infer ms":>9s}')
    model = MODELS.build(models['UNet++ L4 (dense)'])
    for level, params in model.level_sizes.items():
        model.eval_level = level
        model.eval()
        with torch.no_grad():
            infer = median_ms(lambda: model(x), args.iters)
        print(f'{level:5d} {params / 1e6:9.2f} {gflops(model, x):8.2f} '
              f'{infer:9.1f}')

if __name__ == '__main__':
    main()
