"""Training step and prediction of several configs, timed in turns.

``python .dev_scripts/interleaved_speed.py CONFIG [CONFIG ...]
[--options 'k=v k=v' ...] [--measure step predict iteration test]
[--batch 4] [--size 176 240] [--ori-size 360 480] [--rounds 23]``

``tools/analysis_tools/benchmark.py`` times each model in a process of
its own, one after the other, so a drift of the core's speed between
them shows up as a difference between models. Here every model lives in
one process and each round runs one of each in turn; the first 3 rounds
are warm-up and the medians of the rest are printed with their ratio to
the first config. A config may be given twice with different
``--options`` (one quoted ``--cfg-options`` string per config, ``''`` for
none), e.g. a speed-up switched off against the config as shipped.

Measures:

- ``step``: ``benchmark.py``'s training step (cross-entropy on every
  output of the decode head, backward, SGD) on a random ``--batch`` of
  ``--size``;
- ``predict``: ``model.predict`` to ``--ori-size`` (the class of each
  pixel) of random images, in eval mode, on models that never trained;
- ``iteration``: a training iteration as ``tools/train.py`` runs it: the
  next batch of the config's train dataloader (its data on disk, loaded
  in this process) and ``model.train_step`` with the config's optimizer
  wrapper (its loss, its optimizer);
- ``test``: one image of the config's val dataloader through
  ``model.test_step``, as ``tools/test.py`` runs the test set (the same
  pipeline and test mode, e.g. sliding windows; the metric left out).
"""
import argparse
import copy
import os
import shlex
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
from mmengine.config import DictAction
from mmengine.runner.amp import autocast
from mmseg.structures import SegDataSample

sys.path.insert(
    0,
    os.path.join(os.path.dirname(__file__), '..', 'tools', 'analysis_tools'))
from benchmark import NUM_CLASSES  # noqa: E402

from mmseg_unetpp.utils.launch import (  # noqa: E402
    build_runner,
    load_config,
    sync_bn_to_bn,
)

WARMUP = 3
MEASURES = ('step', 'predict', 'iteration', 'test')


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


def parse_options(text: str) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='*', action=DictAction, default={})
    return parser.parse_args(['--o', *shlex.split(text)]).o


class Run:
    """A config's runner (model, dataloaders, optimizer wrapper)."""

    def __init__(self, path: str, options: str, work_dir: str) -> None:
        cfg = load_config(path, parse_options(options))
        sync_bn_to_bn(cfg.model)
        cfg.work_dir = work_dir
        cfg.log_level = 'WARNING'
        cfg.visualizer = dict(type='Visualizer', vis_backends=[])
        self.cfg = cfg
        # bfloat16 autocast as tools/train.py --bf16 (Bf16OptimWrapper) and
        # test_cfg.fp16=True (MMEngine's TestLoop and its autocast) run it
        self.bf16_train = cfg.optim_wrapper.get('type') == 'Bf16OptimWrapper'
        self.bf16_test = bool(cfg.get('test_cfg', {}).get('fp16'))
        runner = build_runner(copy.deepcopy(cfg), 'train')
        self.model = runner.model
        self.runner = runner
        self.optim = None
        self.batches = None
        self.tests = None

    def outputs(self, x):
        logits = self.model.decode_head(self.model.extract_feat(x))
        return [
            F.interpolate(y, x.shape[2:], mode='bilinear')
            for y in (logits if isinstance(logits, (list, tuple)) else
                      [logits])
        ]

    def next_batch(self):
        try:
            return next(self.batches)
        except (StopIteration, TypeError):
            self.batches = iter(self.runner.train_dataloader)
            return next(self.batches)

    def next_test(self):
        try:
            return next(self.tests)
        except (StopIteration, TypeError):
            self.tests = iter(self.runner.val_dataloader)
            return next(self.tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--options', nargs='+', default=None,
                        help="one quoted '--cfg-options' string per config")
    parser.add_argument('--measure', nargs='+', choices=MEASURES,
                        default=['step', 'predict'])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=(176, 240))
    parser.add_argument('--ori-size', type=int, nargs=2, default=None)
    parser.add_argument('--rounds', type=int, default=23)
    args = parser.parse_args()
    if args.rounds <= WARMUP:
        parser.error(f'--rounds must be above {WARMUP}, got {args.rounds}')
    options = args.options or [''] * len(args.configs)
    if len(options) != len(args.configs):
        parser.error('give one --options string per config')
    names = [f'{os.path.basename(c)} {o}'.strip()
             for c, o in zip(args.configs, options)]
    if len(set(names)) != len(names):
        parser.error('a config is given twice with the same --options')
    torch.manual_seed(0)
    h, w = args.size
    x = torch.randn(args.batch, 3, h, w)
    metas = dict(img_shape=(h, w), pad_shape=(h, w),
                 ori_shape=tuple(args.ori_size or (h, w)))

    work_dir = tempfile.mkdtemp()
    runs = {name: Run(path, option, os.path.join(work_dir, str(k)))
            for k, (name, path, option) in enumerate(
                zip(names, args.configs, options))}
    found = {}
    if 'predict' in args.measure:
        with torch.no_grad():
            for run in runs.values():
                run.model.eval()
            found['predict'] = medians(
                runs, lambda r: r.model.predict(
                    x, [SegDataSample(metainfo=metas)] * args.batch),
                args.rounds)
    if 'test' in args.measure:
        with torch.no_grad():
            for run in runs.values():
                run.model.eval()

            def test(run):
                with autocast(enabled=run.bf16_test):
                    run.model.test_step(run.next_test())

            found['test'] = medians(runs, test, args.rounds)
    if 'step' in args.measure:
        for run in runs.values():
            run.model.train()
            run.sgd = torch.optim.SGD(run.model.parameters(), lr=1e-3)

        def step(run):
            num_classes = run.model.decode_head.num_classes
            y = torch.randint(0, min(num_classes, NUM_CLASSES),
                              (args.batch, h, w),
                              generator=torch.Generator().manual_seed(0))
            run.sgd.zero_grad()
            with torch.autocast('cpu', torch.bfloat16,
                                enabled=run.bf16_train):
                loss = sum(F.cross_entropy(z, y) for z in run.outputs(x))
            loss.backward()
            run.sgd.step()

        found['step'] = medians(runs, step, args.rounds)
    if 'iteration' in args.measure:
        for run in runs.values():
            run.model.train()
            run.optim = run.runner.build_optim_wrapper(run.cfg.optim_wrapper)
        found['iteration'] = medians(
            runs, lambda r: r.model.train_step(r.next_batch(), r.optim),
            args.rounds)

    first = names[0]
    print(f'{torch.get_num_threads()} threads, median of '
          f'{args.rounds - WARMUP} rounds; ratios: the first row over '
          'each (above 1: faster than the first)')
    print(f'step and predict: input {args.batch}x3x{h}x{w}, predict to '
          f'{metas["ori_shape"]}')
    measures = [m for m in MEASURES if m in found]
    print('| config | ' + ' | '.join(f'{m} (ms) | x' for m in measures) +
          ' |')
    print('|---|' + '---|---|' * len(measures))
    for name in names:
        cells = []
        for m in measures:
            cells.append(f'{found[m][name]:.0f}')
            cells.append(f'{found[m][first] / found[m][name]:.2f}')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
