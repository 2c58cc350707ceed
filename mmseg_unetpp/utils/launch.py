"""Shared set-up of ``tools/train.py`` and ``tools/test.py``."""
import logging
import os.path as osp
from typing import Any, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config (its ``custom_imports`` included) and merge
    ``--cfg-options``.

    Raises:
        SystemExit: with a one-line message if ``path``, or a config it
            inherits (e.g. ``mmseg_unetpp::unetpp/....py``), is not a file.
    """
    if not osp.isfile(path):
        raise SystemExit(f'error: config file not found: {path}')
    try:
        cfg = Config.fromfile(path)
    except FileNotFoundError as error:  # a base config, named by MMEngine
        raise SystemExit(f'error: {path}: {error}') from None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def set_work_dir(cfg: Config, work_dir: Optional[str], config: str) -> None:
    """``--work-dir``, else the config's, else ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])


def require_file(path: str, what: str) -> None:
    """Exit with a one-line message unless ``path`` is a file."""
    if not osp.isfile(path):
        raise SystemExit(f'error: {what} not found: {path}')


def _sync_bn_to_bn(node: Any) -> bool:
    """Replace ``type='SyncBN'`` by ``'BN'`` in a config tree; say if any."""
    found = False
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            found = True
        children = node.values()
    elif isinstance(node, (list, tuple)):
        children = node
    else:
        return False
    for child in children:
        found = _sync_bn_to_bn(child) or found
    return found


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Set ``cfg.launcher``; make the ``pytorch`` launcher work on CPU.

    MMEngine's ``pytorch`` launcher binds every process to a CUDA device. On
    a machine without one, start the process group with gloo here (the
    Runner then skips its own initialisation), let DDP wrap the CPU model
    (``device_ids=None``) and use BN where the config says SyncBN (which
    has no CPU implementation).
    """
    cfg.launcher = launcher
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    if _sync_bn_to_bn(cfg.model):
        print_log(
            'SyncBN needs CUDA: using BN (per-process statistics) for DDP '
            'on CPU', 'current', logging.WARNING)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper.setdefault('device_ids', None)
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed() -> None:
    """Destroy the process group before exit (a gloo group left alive can
    abort the interpreter's shutdown)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
