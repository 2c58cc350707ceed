"""Train a segmentor: ``python tools/train.py CONFIG [options]``.

MMSeg's ``tools/train.py`` with ``mmseg_unetpp`` imported and the
``pytorch`` launcher working on a CPU (gloo). The checks that keep a run
from giving a silently wrong result are in the configs
(``configs/_base_/default_runtime.py``), so MMSeg's stock tool runs a
config the same way; this tool adds:

- ``--resume`` loads only an intact checkpoint: a damaged
  ``last_checkpoint`` falls back to the newest intact ``iter_N.pth`` (see
  ``resolve_resume``), and the load is strict;
- ``--no-data-check`` keeps the class-count check but decodes no sample;
- ``--bf16`` trains under bfloat16 autocast (``Bf16OptimWrapper``), on a
  CPU with AMX as on a GPU;
- a user error (bad data, file, config value or argument) ends with one
  line ``error: ...`` and exit status 1.
"""
import logging
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

import mmseg_unetpp  # noqa: F401  (registers the package's modules)
from mmseg_unetpp.utils import launch
from mmseg_unetpp.utils.checkpoint import resolve_resume
from mmseg_unetpp.utils.errors import ConfigError


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = launch.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no CKPT is given')
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument(
        '--amp', action='store_true', help='automatic mixed precision (GPU)')
    precision.add_argument(
        '--bf16',
        action='store_true',
        help='bfloat16 autocast (Bf16OptimWrapper): on a CPU with AMX, or a '
        'GPU; elsewhere one warning and float32')
    parser.add_argument(
        '--no-data-check',
        action='store_true',
        help='do not decode every train/val sample before training (the '
        'check takes seconds on CamVid; bad samples then surface only '
        'when they are drawn); the class count is still checked')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=launch.CfgOptionsAction,
        help='override settings of the config, key=value (e.g. '
        'model.decode_head.fast_level=2)')
    parser.add_argument('--launcher', choices=launch.LAUNCHERS, default='none')
    return parser.parse_args(argv)


def set_resume(cfg: Config, resume: Optional[str]) -> Optional[str]:
    """``--resume [CKPT]``: resume strictly from an intact checkpoint.

    Returns:
        str, optional: A warning for the run's log.
    """
    if resume is None:
        return None
    if resume != 'auto':
        launch.require_file(resume, 'checkpoint to resume from')
    checkpoint, warning = resolve_resume(
        cfg.work_dir, None if resume == 'auto' else resume)
    if checkpoint is None:
        warning = (f'no checkpoint in {cfg.work_dir} to resume from: '
                   'training from scratch')
    cfg.resume = checkpoint is not None
    cfg.load_from = checkpoint
    return warning


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    cfg = launch.load_config(args.config, args.cfg_options)
    launch.setup_launcher(cfg, args.launcher)
    launch.set_work_dir(cfg, args.work_dir, args.config)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise ConfigError("--amp needs a CUDA GPU (MMEngine's "
                              'AmpOptimWrapper)')
        if cfg.optim_wrapper.get('type') == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config', 'current',
                      logging.WARNING)
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.bf16:
        cfg.optim_wrapper.type = 'Bf16OptimWrapper'
    warning = set_resume(cfg, args.resume)
    if cfg.get('resume'):
        launch.set_hook(cfg, 'checkpoint_match', 'CheckpointMatchHook',
                        strict=True, enabled=True)
    if args.no_data_check:
        launch.set_hook(cfg, 'data_check', 'DataCheckHook', samples=False)
    runner = launch.build_runner(cfg, 'train')
    if warning:
        runner.logger.warning(warning)
    runner.train()
    print_log(f'work dir: {osp.abspath(cfg.work_dir)}', 'current')


if __name__ == '__main__':
    launch.exit_tool(main)
