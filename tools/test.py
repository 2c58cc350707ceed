"""Test a checkpoint: ``python tools/test.py CONFIG CKPT [options]``.

MMSeg's ``tools/test.py`` with ``mmseg_unetpp`` imported, checkpoints loaded
with ``torch.load(weights_only=True)`` and the ``pytorch`` launcher on CPU.
The checkpoint must be intact and fit the config's model exactly
(``CheckpointMatchHook(strict=True)``, whatever the config says for
fine-tuning). A user error (bad data, file, config value or argument) ends
with one line ``error: ...`` and exit status 1.
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

from mmengine.logging import print_log

import mmseg_unetpp  # noqa: F401  (registers the package's modules)
from mmseg_unetpp.utils import launch
from mmseg_unetpp.utils.checkpoint import checkpoint_problem
from mmseg_unetpp.utils.errors import ConfigError, CorruptCheckpointError


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = launch.ArgumentParser(description='Test a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--out', help='dir to save the predicted label maps (PNG)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction overlays')
    parser.add_argument(
        '--show-dir',
        help='dir to save prediction overlays (PNG, every image unless '
        'default_hooks.visualization.interval says otherwise)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='seconds per --show')
    parser.add_argument(
        '--tta', action='store_true', help='test-time augmentation')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=launch.CfgOptionsAction,
        help='override settings of the config, key=value (e.g. '
        'model.decode_head.fast_level=2)')
    parser.add_argument('--launcher', choices=launch.LAUNCHERS, default='none')
    return parser.parse_args(argv)


def enable_visualization(cfg, args: argparse.Namespace) -> None:
    """Turn on ``SegVisualizationHook`` for ``--show``/``--show-dir``."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ConfigError('--show/--show-dir need '
                          'default_hooks.visualization in the config')
    hook['draw'] = True
    hook.setdefault('interval', 1)  # every image unless the config thins
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    launch.require_file(args.checkpoint, 'checkpoint')
    problem = checkpoint_problem(args.checkpoint)
    if problem is not None:
        raise CorruptCheckpointError(f'{args.checkpoint}: {problem}')
    cfg = launch.load_config(args.config, args.cfg_options)
    launch.setup_launcher(cfg, args.launcher)
    launch.set_work_dir(cfg, args.work_dir, args.config)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise ConfigError('--tta needs tta_model and tta_pipeline in the '
                              'config')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    launch.set_hook(cfg, 'checkpoint_match', 'CheckpointMatchHook',
                    strict=True, enabled=True)
    runner = launch.build_runner(cfg, 'test')
    metrics = runner.test()
    print_log('metrics: ' + ', '.join(
        f'{k} {float(v):.2f}' for k, v in metrics.items()), 'current')
    if args.show_dir:
        print_log(f'overlays: {osp.abspath(args.show_dir)}', 'current')


if __name__ == '__main__':
    launch.exit_tool(main)
