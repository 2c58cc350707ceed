"""Train a segmentor: ``python tools/train.py CONFIG [options]``.

MMSeg's ``tools/train.py`` with ``mmseg_unetpp`` imported, an optional
checkpoint for ``--resume``, and the ``pytorch`` launcher on CPU (gloo).
"""
import argparse
import logging
import os.path as osp

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_unetpp  # noqa: F401  (registers the package's modules)
from mmseg_unetpp.utils.launch import (LAUNCHERS, load_config, require_file,
                                       set_work_dir, setup_launcher,
                                       teardown_distributed)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no CKPT is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision (GPU)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (e.g. '
        'model.decode_head.mode=fast)')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    setup_launcher(cfg, args.launcher)
    set_work_dir(cfg, args.work_dir, args.config)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('error: --amp needs a CUDA GPU '
                             "(MMEngine's AmpOptimWrapper)")
        if cfg.optim_wrapper.get('type') == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config', 'current',
                      logging.WARNING)
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        require_file(args.resume, 'checkpoint to resume from')
        cfg.resume = True
        cfg.load_from = args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()
    print_log(f'work dir: {osp.abspath(cfg.work_dir)}', 'current')


if __name__ == '__main__':
    try:
        main()
    finally:
        teardown_distributed()
