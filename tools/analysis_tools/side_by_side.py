"""Train two (or more) configs side by side for the same wall-clock budget.

``python tools/analysis_tools/side_by_side.py CONFIG [CONFIG ...]
(--budget SECONDS | --iters N) [--cores 0 1] [--calibration-iters 40]
[--seed 0]
[--select-split 0.25 | --hold-out N [--validate-on {held-out,val}]]
[--work-dir DIR] [--data-root DIR] [--options 'k=v k=v' ...]``

Each run has a core of its own (``taskset``) and one thread; the runs go
at the same time, so that they see the same machine:

1. calibration: each config trains ``--calibration-iters`` iterations and
   its mean step time (data loading included) is read from its log, the
   first five iterations left out;
2. each config's ``train_cfg.max_iters`` is the budget divided by its own
   step time; the configs' poly decay has no ``end``, so it ends there;
3. the real runs train, validate once after their last iteration, and the
   table gives iterations, the measured training time and the val scores.

``--iters N`` trains every config ``N`` iterations instead, without the
calibration: a comparison at equal iterations, whose figures do not
depend on the machine's speed (the protocol below is the same).

A choice made on val and scored on the same val overstates it. So the
first ``--select-split`` of the val frames (a quarter, rounded; at least
one) is the selection split: ``FusionSelectHook`` chooses accurate mode's
levels there (its ``indices``), and every config is validated on the other
frames alone. The table's default prediction is that choice scored on
frames it was not made on; beside it are the mean of all levels (a
prediction fixed before any scoring) and the best level or mean on the
scored frames (chosen on them: optimistic). ``--select-split 0`` chooses
and scores on the whole val set.

Choosing recipes (options, schedules, configs) by their val scores is a
choice made on val too. With ``--hold-out N``, no choice is made on the
frames that are reported: every config trains without the same frames,
the last ``N`` of its train set (the configs' train sets must be as
large), and the choices are made on them. Choose recipes with
``--validate-on held-out``: the validation scores the held-out train
frames with the val pipeline, and ``FusionSelectHook`` chooses the levels
on them too. Once the recipe is fixed, report it once with
``--validate-on val`` (the default): ``FusionSelectHook`` chooses the
levels on the held-out train frames (its ``train_indices``), and the
validation scores all of val, on which nothing was chosen.
``--hold-out`` replaces ``--select-split``.

``--options`` takes one quoted string of ``--cfg-options`` per config (in
the order of the configs; ``''`` for none). ``--data-root DIR`` points the
train, val and test sets of every config at ``DIR``, inside dataset
wrappers (MMSeg's DRIVE base wraps its train set in ``RepeatDataset``).
``DIR/side_by_side.json`` keeps the table.
"""
import argparse
import copy
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

from mmengine.config import Config, DictAction

from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.dataset_config import (
    dataset_frames,
    inner_dataset,
    split_frames,
)
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
SELECT_SPLIT = 0.25


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    length = parser.add_mutually_exclusive_group(required=True)
    length.add_argument('--budget', type=float,
                        help='training seconds of each run')
    length.add_argument('--iters', type=int,
                        help='training iterations of each run (no '
                        'calibration)')
    parser.add_argument('--cores', type=int, nargs='+',
                        help='one CPU core per config (default: 0, 1, ...)')
    parser.add_argument('--calibration-iters', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--select-split', type=float, default=SELECT_SPLIT,
                        help='share of the val frames (the first ones) on '
                        "which FusionSelectHook chooses; 0: on all of val")
    parser.add_argument('--hold-out', type=int, default=0, metavar='N',
                        help='train every config without the last N frames '
                        'of its train set, and choose on them (0: off)')
    parser.add_argument('--validate-on', choices=('held-out', 'val'),
                        default='val',
                        help='with --hold-out: score the held-out train '
                        'frames (to choose recipes) or all of val (to '
                        'report)')
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
    if args.iters is not None and args.iters < 1:
        parser.error(f'--iters must be >= 1, got {args.iters}')
    if not 0 <= args.select_split < 1:
        parser.error('--select-split must be in [0, 1), got '
                     f'{args.select_split}')
    if args.hold_out < 0:
        parser.error(f'--hold-out must be >= 0, got {args.hold_out}')
    if args.validate_on == 'held-out' and not args.hold_out:
        parser.error('--validate-on held-out needs --hold-out N')
    if args.hold_out:
        if args.select_split != SELECT_SPLIT:
            parser.error('--hold-out and --select-split cannot be combined: '
                         'with --hold-out, the levels are chosen on the '
                         'held-out train frames')
        args.select_split = 0
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


def parse_options(options: List[str]) -> dict:
    """``--cfg-options`` (``['k=v', ...]``) as ``tools/train.py`` reads
    them (MMEngine's ``DictAction``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='*', action=DictAction)
    return parser.parse_args(['--options', *options]).options or {}


def frames_option(frames: Iterable[int]) -> str:
    """Frame numbers as an ``--cfg-options`` value: ``[0,1,2]``."""
    return f"[{','.join(map(str, frames))}]"


def val_split(config: str, options: List[str], share: float
              ) -> Tuple[Tuple[List[int], List[int]], List[str]]:
    """The val frames that choose (the first ``share`` of them, at least
    one) and those that are scored (the rest), and the ``--cfg-options``
    that validate on the scored frames and give ``FusionSelectHook``
    (where the config has it) the choosing ones."""
    cfg = load_config(config, parse_options(options))
    key, num = dataset_frames(cfg, 'val_dataloader')
    select, scored = split_frames(num, share, f'{config}: val')
    found = [f'{key}={frames_option(scored)}']
    if 'fusion_select' in (cfg.get('default_hooks') or {}):
        found.append('default_hooks.fusion_select.indices='
                     f'{frames_option(select)}')
    return (select, scored), found


def hold_out(config: str, options: List[str], num_held: int,
             validate_on: str) -> Tuple[int, List[str]]:
    """The number of train frames of ``config`` (with ``options``) and the
    ``--cfg-options`` that train it without the last ``num_held`` of them.

    Args:
        config (str): The config file.
        options (list[str]): Its ``--cfg-options`` so far.
        num_held (int): The frames held out of training, the last ones.
        validate_on (str): ``'held-out'``: the validation scores the
            held-out frames (the train set, the val pipeline), and
            ``FusionSelectHook`` chooses on its scores; ``'val'``:
            ``FusionSelectHook`` (where the config has it) chooses on the
            held-out frames (its ``train_indices``), the validation scores
            all of val.

    Returns:
        tuple[int, list[str]]: The train frames and the options.

    Raises:
        UserError: when no frame is left to train on, or the val loader
            cannot be given the train set's config by ``--cfg-options``.
    """
    cfg = load_config(config, parse_options(options))
    key, num = dataset_frames(cfg, 'train_dataloader')
    if num_held >= num:
        raise UserError(f'{config}: train: --hold-out {num_held} leaves no '
                        f'frame to train on ({num} frames)')
    held = list(range(num - num_held, num))
    found = [f'{key}={frames_option(range(num - num_held))}']
    if validate_on == 'held-out':
        found += held_out_validation(config, cfg, held)
    select = (cfg.get('default_hooks') or {}).get('fusion_select')
    if select is not None:
        if validate_on == 'val':
            found.append('default_hooks.fusion_select.train_indices='
                         f'{frames_option(held)}')
        # The held-out frames are the selection split, or none is.
        found += [f'default_hooks.fusion_select.{name}=None'
                  for name in ('dataloader', 'indices')
                  if select.get(name) is not None]
    return num, found


def held_out_validation(config: str, cfg: Config,
                        held: List[int]) -> List[str]:
    """The ``--cfg-options`` that validate ``cfg`` on the ``held`` frames
    of its train set with its val pipeline: every field of the train set
    (inside dataset wrappers) but ``pipeline`` and ``indices`` (and the
    registry scope ``_scope_``, which a base config puts on the outermost
    wrapper), one dotted key each, on the val set (inside its wrappers),
    and the val set's ``indices``."""
    if not cfg.get('val_dataloader'):
        raise UserError(f'{config}: --validate-on held-out needs a '
                        'val_dataloader (its pipeline, its loop)')
    key, _ = inner_dataset(cfg.val_dataloader.dataset,
                           'val_dataloader.dataset')
    _, train = inner_dataset(cfg.train_dataloader.dataset,
                             'train_dataloader.dataset')
    kept = ('pipeline', 'indices', '_scope_')  # the val set's own
    fields = flatten({k: v for k, v in train.items() if k not in kept})
    found = [f'{key}.{k}={option_value(v)}' for k, v in fields.items()]
    found.append(f'{key}.indices={frames_option(held)}')
    # What tools/train.py will build: a value that the options cannot
    # write (a dict in a list, a string with spaces...), or a field of the
    # val set that the train set lacks, would validate on other data.
    merged = copy.deepcopy(cfg)
    merged.merge_from_dict(parse_options(found))
    _, val = inner_dataset(merged.val_dataloader.dataset)
    got = flatten({k: v for k, v in val.items() if k not in kept})
    missing = object()
    differ = sorted(k for k in set(got) | set(fields)
                    if got.get(k, missing) != fields.get(k, missing))
    if differ:
        raise UserError(
            f'{config}: --validate-on held-out cannot give the val set the '
            f"train set's config by --cfg-options ({', '.join(differ)} "
            'would differ)')
    return found


def flatten(node: dict, prefix: str = '') -> Dict[str, Any]:
    """A nested config dict as dotted keys (``data_prefix.img_path``) and
    the values that are no dict."""
    found = {}
    for k, v in node.items():
        if isinstance(v, dict):
            found.update(flatten(v, f'{prefix}{k}.'))
        else:
            found[f'{prefix}{k}'] = v
    return found


def option_value(value: Any) -> str:
    """A value as MMEngine's ``DictAction`` reads it back: lists in
    ``[]``, tuples in ``()``, strings unquoted."""
    if isinstance(value, (list, tuple)):
        inner = ','.join(option_value(v) for v in value)
        return f'({inner})' if isinstance(value, tuple) else f'[{inner}]'
    return str(value)


def main(argv=None) -> None:
    args = parse_args(argv)
    jobs, splits, train_frames = [], [], []
    for k, (config, core, options) in enumerate(
            zip(args.configs, args.cores, args.options)):
        name = osp.splitext(osp.basename(config))[0]
        found = base_options(config, options, args.seed, args.data_root)
        if args.hold_out:
            num, options_found = hold_out(config, found, args.hold_out,
                                          args.validate_on)
            train_frames.append(num)
            found += options_found
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
    if any(num != train_frames[0] for num in train_frames):
        raise UserError(
            'the configs have train sets of different sizes '
            f"({', '.join(map(str, train_frames))} frames): --hold-out "
            'would not hold out the same frames')
    select, scored = splits[0] if splits else ([], [])
    held = (list(range(train_frames[0] - args.hold_out, train_frames[0]))
            if args.hold_out else [])
    start = time.time()
    if args.iters:
        for job in jobs:
            job['step'] = None
    else:
        calibrate(jobs, args.calibration_iters)
    for job in jobs:
        job['iters'] = args.iters or max(1, round(args.budget / job['step']))
        job['work_dir'] = osp.join(job['root'], 'run')
        # Logged every 20 iterations, or once at the end of a shorter run:
        # the training time is read from the log.
        interval = min(20, job['iters'])
        job['options'] = job['base_options'] + [
            f"train_cfg.max_iters={job['iters']}",
            f'default_hooks.logger.interval={interval}',
            f'log_processor.window_size={interval}'
        ]
        if job['step'] is not None:
            print(f"{job['name']}: {job['step']:.3f} s/iter calibrated -> "
                  f"{job['iters']} iterations", flush=True)
    train_all(jobs, 'train.log')
    rows = []
    for job in jobs:
        records = logged_scalars(job['work_dir'])
        # A training record's time is the mean step over (up to) the 20
        # iterations before it, and the last iterations may go unlogged;
        # the validation's record (no 'iter') holds its seconds per image.
        # So: the mean logged step times the iterations.
        times = [r['time'] for r in records if 'time' in r and 'iter' in r]
        trained = sum(times) / len(times) * job['iters'] if times else 0.
        rows.append(dict(config=job['config'], core=job['core'],
                         options=job['user_options'],
                         calibrated_step=job['step'],
                         iters=job['iters'],
                         # to the millisecond: a short run of a small
                         # model trains in well under 0.1 s
                         train_seconds=round(trained, 3),
                         metrics=final_metrics(records)))
    result = dict(budget=args.budget, iters=args.iters, seed=args.seed,
                  calibration_iters=None if args.iters else
                  args.calibration_iters,
                  select_frames=select, scored_frames=scored,
                  hold_out=args.hold_out,
                  validate_on=args.validate_on if args.hold_out else None,
                  held_out_frames=held,
                  wall_seconds=round(time.time() - start), runs=rows)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'side_by_side.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print_table(result)


def print_table(result: dict) -> None:
    """The Markdown table of a ``side_by_side.json``."""
    select, scored = result['select_frames'], result['scored_frames']
    held = result.get('held_out_frames') or []
    if held:
        frames = f'{held[0]}-{held[-1]}'
        protocol = f'trained without train frames {frames}; ' + (
            'levels chosen on them, scores on all of val'
            if result['validate_on'] == 'val' else
            'levels chosen and scores on the held-out train frames '
            f'{frames} (for choosing)')
    elif select:
        protocol = (f'levels chosen on val frames {select[0]}-{select[-1]}, '
                    f'scores on frames {scored[0]}-{scored[-1]}')
    else:
        protocol = 'levels chosen and scored on all of val'
    # Whether the default prediction was chosen on frames other than the
    # scored ones.
    apart = bool(select) or (bool(held) and result['validate_on'] == 'val')
    length = (f"{result['iters']} iterations" if result.get('iters') else
              f"budget {result['budget']:g} s")
    print(f"\n{length} per run, seed {result['seed']}; " + protocol)
    # s/iter: the calibrated step of a budget run, else the logged mean.
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
        default = m.get('mIoU', nan) if apart else best
        runs = [Levels.parse(k) for k in others]
        # A model without levels (one branch) has no mean of them.
        mean = f'{others[max(runs, key=len).name]:.2f}' if runs else '-'
        step = row['calibrated_step'] or row['train_seconds'] / row['iters']
        print(f"| {osp.basename(row['config'])} {' '.join(row['options'])} "
              f"| {step:.3f} | {row['iters']} | "
              f"{row['train_seconds']:.0f} | {default:.2f} | {mean} | "
              f'{best:.2f} | {levels} |')


if __name__ == '__main__':
    sys.exit(run_tool(main))
