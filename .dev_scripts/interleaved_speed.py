"""Training step and prediction of several configs, timed in turns.

``python .dev_scripts/interleaved_speed.py CONFIG [CONFIG ...]
[--batch 4] [--size 176 240] [--ori-size 360 480] [--rounds 23]``

``tools/analysis_tools/benchmark.py`` times each model in a process of
its own, one after the other, so a drift of the core's speed between
them shows up as a difference between models. Here every model lives in
one process and each round runs one step of each in turn; the first 3
rounds are warm-up and the medians of the rest are printed with their
ratio to the first config. The step is ``benchmark.py``'s (cross-entropy
on every output of the decode head, backward, SGD); the prediction is
``model.predict`` to ``--ori-size`` (the class of each pixel), run on
models that never trained, in eval mode.
"""
import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

sys.path.insert(
    0,
    os.path.join(os.path.dirname(__file__), '..', 'tools', 'analysis_tools'))
from benchmark import NUM_CLASSES, build_config  # noqa: E402

WARMUP = 3


def medians(models, run_one, rounds):
    """Median ms of ``run_one(model)`` per model, the models in turns."""
    times = {name: [] for name in models}
    for r in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            run_one(model)
            if r >= WARMUP:
                times[name].append(1000 * (time.perf_counter() - start))
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=(176, 240))
    parser.add_argument('--ori-size', type=int, nargs=2, default=None)
    parser.add_argument('--rounds', type=int, default=23)
    args = parser.parse_args()
    if args.rounds <= WARMUP:
        parser.error(f'--rounds must be above {WARMUP}, got {args.rounds}')
    torch.manual_seed(0)
    h, w = args.size
    x = torch.randn(args.batch, 3, h, w)
    y = torch.randint(0, NUM_CLASSES, (args.batch, h, w))
    metas = dict(img_shape=(h, w), pad_shape=(h, w),
                 ori_shape=tuple(args.ori_size or (h, w)))

    built = {path: build_config(path) for path in args.configs}
    with torch.no_grad():
        predict_ms = medians(
            {path: model.eval() for path, (model, _) in built.items()},
            lambda m: m.predict(x, [SegDataSample(metainfo=metas)] *
                                args.batch), args.rounds)

    steps = {}
    for path, (model, outputs) in built.items():
        model.train()
        optim = torch.optim.SGD(model.parameters(), lr=1e-3)
        steps[path] = (model, outputs, optim)

    def train_step(step):
        _, outputs, optim = step
        optim.zero_grad()
        sum(F.cross_entropy(z, y) for z in outputs(x)).backward()
        optim.step()

    train_ms = medians(steps, train_step, args.rounds)

    first = args.configs[0]
    print(f'input {args.batch}x3x{h}x{w}, predict to {metas["ori_shape"]}, '
          f'{torch.get_num_threads()} threads, median of '
          f'{args.rounds - WARMUP} rounds; ratios against {first}')
    print('| config | train step (ms) | x first | predict (ms) | x first |')
    print('|---|---|---|---|---|')
    for path in args.configs:
        print(f'| {os.path.basename(path)} | {train_ms[path]:.0f} | '
              f'{train_ms[path] / train_ms[first]:.2f} | '
              f'{predict_ms[path]:.0f} | '
              f'{predict_ms[path] / predict_ms[first]:.2f} |')


if __name__ == '__main__':
    main()
