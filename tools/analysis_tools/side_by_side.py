"""Train two (or more) configs side by side for the same wall-clock budget.

``python tools/analysis_tools/side_by_side.py CONFIG [CONFIG ...]
--budget SECONDS [--cores 0 1] [--calibration-iters 40] [--seed 0]
[--select-split 0.25] [--work-dir DIR] [--data-root DIR]
[--options 'k=v k=v' ...]``

Each run has a core of its own (``taskset``) and one thread; the runs go
at the same time, so that they see the same machine:

1. calibration: each config trains ``--calibration-iters`` iterations and
   its mean step time (data loading included) is read from its log, the
   first five iterations left out;
2. each config's ``train_cfg.max_iters`` is the budget divided by its own
   step time; the configs' poly decay has no ``end``, so it ends there;
3. the real runs train, validate once after their last iteration, and the
   table gives iterations, the measured training time and the val scores.

A choice made on val and scored on the same val overstates it. So the
first ``--select-split`` of the val frames (a quarter, rounded; at least
one) is the selection split: ``FusionSelectHook`` chooses accurate mode's
levels there (its ``indices``), and every config is validated on the other
frames alone. The table's default prediction is that choice scored on
frames it was not made on; beside it are the mean of all levels (a
prediction fixed before any scoring) and the best level or mean on the
scored frames (chosen on them: optimistic). ``--select-split 0`` chooses
and scores on the whole val set.

``--options`` takes one quoted string of ``--cfg-options`` per config (in
the order of the configs; ``''`` for none). ``--data-root DIR`` points the
train, val and test sets of every config at ``DIR``, inside dataset
wrappers (MMSeg's DRIVE base wraps its train set in ``RepeatDataset``).
``DIR/side_by_side.json`` keeps the table.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

from mmengine.config import DictAction

from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.dataset_config import dataset_frames, split_frames
from mmseg_unetpp.utils.errors import UserError
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    data_root_options,
    load_config,
    logged_scalars,
    run_tool,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(ROOT, 'tools', 'train.py')
WARMUP_ITERS = 5


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--budget', type=float, required=True,
                        help='training seconds of each run')
    parser.add_argument('--cores', type=int, nargs='+',
                        help='one CPU core per config (default: 0, 1, ...)')
    parser.add_argument('--calibration-iters', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--select-split', type=float, default=0.25,
                        help='share of the val frames (the first ones) on '
                        "which FusionSelectHook chooses; 0: on all of val")
    parser.add_argument('--options', nargs='+', default=None,
                        help="one quoted '--cfg-options' string per config")
    parser.add_argument('--work-dir', default='work_dirs/side_by_side')
    parser.add_argument('--data-root',
                        help="every config's data (inside dataset wrappers)")
    args = parser.parse_args(argv)
    n = len(args.configs)
    args.cores = args.cores or list(range(n))
    args.options = args.options or [''] * n
    if len(args.cores) != n or len(args.options) != n:
        parser.error(f'give one core and one --options string per config '
                     f'({n} configs, {len(args.cores)} cores, '
                     f'{len(args.options)} option strings)')
    if args.calibration_iters <= WARMUP_ITERS + 5:
        parser.error('--calibration-iters must be > '
                     f'{WARMUP_ITERS + 5}, got {args.calibration_iters}')
    if not 0 <= args.select_split < 1:
        parser.error('--select-split must be in [0, 1), got '
                     f'{args.select_split}')
    for config in args.configs:
        if not osp.isfile(config):
            parser.error(f'config not found: {config}')
    return args


def train_all(jobs: List[dict], log_name: str) -> None:
    """Run every job's training at once, each on its core with one
    thread; raise if one fails."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    procs = []
    for job in jobs:
        os.makedirs(job['work_dir'], exist_ok=True)
        log = open(osp.join(job['work_dir'], log_name), 'w')
        command = [
            'taskset', '-c', str(job['core']), sys.executable, TRAIN,
            job['config'], '--work-dir', job['work_dir'], '--cfg-options'
        ] + job['options']
        procs.append((job, log, subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env,
            cwd=ROOT)))
    failed = []
    for job, log, proc in procs:
        proc.wait()
        log.close()
        if proc.returncode:
            failed.append(f"{job['config']} (see {log.name})")
    if failed:
        raise UserError('training failed: ' + ', '.join(failed))


def calibrate(jobs: List[dict], iters: int) -> None:
    """Set each job's ``step`` (mean seconds per iteration)."""
    for job in jobs:
        job['work_dir'] = osp.join(job['root'], 'calibration')
        job['options'] = job['base_options'] + [
            f'train_cfg.max_iters={iters}', 'param_scheduler=None',
            'val_dataloader=None',
            'val_cfg=None', 'val_evaluator=None',
            'default_hooks.logger.interval=1', 'log_processor.window_size=1',
            'default_hooks.checkpoint.save_last=False',
            'default_hooks.checkpoint.interval=-1'
        ]
    train_all(jobs, 'calibration.log')
    for job in jobs:
        times = [r['time'] for r in logged_scalars(job['work_dir'])
                 if 'time' in r and r['iter'] > WARMUP_ITERS]
        job['step'] = sum(times) / len(times)


def final_metrics(records: List[dict]) -> Dict[str, float]:
    """The last validation's metrics (``mIoU``, ``l2.mIoU``...)."""
    vals = [r for r in records if 'mIoU' in r]
    return {k: v for k, v in vals[-1].items() if 'IoU' in k or 'Dice' in k
            or k in ('aAcc', 'mAcc')} if vals else {}


def base_options(config: str, options: str, seed: int,
                 data_root: Optional[str]) -> List[str]:
    """A run's ``--cfg-options``: the seed, the data root (inside the
    config's dataset wrappers), then the user's options."""
    found = [f'randomness.seed={seed}']
    if data_root is not None:
        found += [f'{k}={v}' for k, v in data_root_options(
            load_config(config), data_root).items()]
    return found + shlex.split(options)


def val_split(config: str, options: List[str], share: float
              ) -> Tuple[Tuple[List[int], List[int]], List[str]]:
    """The val frames that choose (the first ``share`` of them, at least
    one) and those that are scored (the rest), and the ``--cfg-options``
    that validate on the scored frames and give ``FusionSelectHook``
    (where the config has it) the choosing ones."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='*', action=DictAction)
    cfg = load_config(config, parser.parse_args(
        ['--options', *options]).options)
    key, num = dataset_frames(cfg, 'val_dataloader')
    select, scored = split_frames(num, share, f'{config}: val')
    found = [f"{key}=[{','.join(map(str, scored))}]"]
    if 'fusion_select' in (cfg.get('default_hooks') or {}):
        found.append('default_hooks.fusion_select.indices='
                     f"[{','.join(map(str, select))}]")
    return (select, scored), found


def main(argv=None) -> None:
    args = parse_args(argv)
    jobs, splits = [], []
    for k, (config, core, options) in enumerate(
            zip(args.configs, args.cores, args.options)):
        name = osp.splitext(osp.basename(config))[0]
        found = base_options(config, options, args.seed, args.data_root)
        if args.select_split:
            split, options_found = val_split(config, found,
                                             args.select_split)
            splits.append(split)
            found += options_found
        jobs.append(dict(
            config=config, core=core, name=name,
            root=osp.join(args.work_dir, f'{k}_{name}'),
            user_options=shlex.split(options), base_options=found))
    if any(split != splits[0] for split in splits):
        raise UserError('the configs have val sets of different sizes: '
                        'their scores would not compare')
    select, scored = splits[0] if splits else ([], [])
    start = time.time()
    calibrate(jobs, args.calibration_iters)
    for job in jobs:
        job['iters'] = max(1, round(args.budget / job['step']))
        job['work_dir'] = osp.join(job['root'], 'run')
        interval = 20
        job['options'] = job['base_options'] + [
            f"train_cfg.max_iters={job['iters']}",
            f'default_hooks.logger.interval={interval}',
            f'log_processor.window_size={interval}'
        ]
        print(f"{job['name']}: {job['step']:.3f} s/iter calibrated -> "
              f"{job['iters']} iterations", flush=True)
    train_all(jobs, 'train.log')
    rows = []
    for job in jobs:
        records = logged_scalars(job['work_dir'])
        logged = [r for r in records if 'time' in r]
        # Every logged time is the mean of the 20 iterations before it.
        trained = sum(r['time'] for r in logged) * 20
        rows.append(dict(config=job['config'], core=job['core'],
                         options=job['user_options'],
                         calibrated_step=job['step'],
                         iters=job['iters'],
                         train_seconds=round(trained, 1),
                         metrics=final_metrics(records)))
    result = dict(budget=args.budget, seed=args.seed,
                  calibration_iters=args.calibration_iters,
                  select_frames=select, scored_frames=scored,
                  wall_seconds=round(time.time() - start), runs=rows)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'side_by_side.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print_table(result)


def print_table(result: dict) -> None:
    """The Markdown table of a ``side_by_side.json``."""
    select, scored = result['select_frames'], result['scored_frames']
    print(f"\nbudget {result['budget']:g} s per run, seed {result['seed']}"
          + (f'; levels chosen on val frames {select[0]}-{select[-1]}, '
             f'scores on frames {scored[0]}-{scored[-1]}' if select else
             '; levels chosen and scored on all of val'))
    print('| config | s/iter | iterations | trained (s) | default '
          'prediction | mean of levels (fixed) | best on the scored '
          'frames | per level |')
    print('|---|---|---|---|---|---|---|---|')
    nan = float('nan')
    for row in result['runs']:
        m = row['metrics']
        others = {k[:-len('.mIoU')]: v for k, v in m.items()
                  if k.endswith('.mIoU')}
        levels = ', '.join(f'{k} {v:.2f}' for k, v in others.items())
        # Without a selection split, FusionSelectHook makes the best of
        # these the default prediction after this validation.
        best = max(others.values()) if others else m.get('mIoU', nan)
        default = m.get('mIoU', nan) if select else best
        runs = [Levels.parse(k) for k in others]
        mean = others[max(runs, key=len).name] if runs else nan
        print(f"| {osp.basename(row['config'])} {' '.join(row['options'])} "
              f"| {row['calibrated_step']:.3f} | {row['iters']} | "
              f"{row['train_seconds']:.0f} | {default:.2f} | {mean:.2f} | "
              f'{best:.2f} | {levels} |')


if __name__ == '__main__':
    sys.exit(run_tool(main))
