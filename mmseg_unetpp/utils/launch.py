"""What every tool shares: one-line errors (:func:`run_tool`), config
loading, the runner, the CPU launcher."""
import argparse
import atexit
import glob
import json
import logging
import os
import os.path as osp
import sys
from typing import (
    Any,
    Callable,
    Dict,
    List,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
)

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from .dataset_config import inner_datasets
from .errors import ConfigError, UserError, error_line

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` that reports a bad argument in one line
    (``PROG: error: MESSAGE (see --help)``), without the usage block."""

    def error(self, message: str) -> None:
        """Exit with status 2 and one line on stderr."""
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def parse_size(text: str) -> Tuple[int, int]:
    """``HxW`` (``360x480``) as ``(height, width)``; an argparse ``type``.

    Raises:
        argparse.ArgumentTypeError: unless ``text`` is two positive
            integers joined by ``x``.
    """
    parts = text.lower().split('x')
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(
            f'size must look like HEIGHTxWIDTH (e.g. 360x480), got {text!r}')
    height, width = (int(p) for p in parts)
    if height <= 0 or width <= 0:
        raise argparse.ArgumentTypeError(
            f'size must be positive, got {text!r}')
    return height, width


def parse_fast_level(text: str) -> Optional[int]:
    """``--fast-level``'s value: a level ``k`` (fast mode) or ``none``
    (accurate mode); an argparse ``type``.

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    if text.lower() == 'none':
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f'--fast-level takes a level k or none (accurate mode), got '
            f'{text!r}')
    return int(text)


class RenamedOption(argparse.Action):
    """An option that another replaced: giving it is a one-line error that
    names the new one (``add_argument('--level', action=RenamedOption,
    new='--fast-level K')``); it is not listed in ``--help``."""

    def __init__(self, option_strings, dest, new: str, **kwargs):
        super().__init__(option_strings, dest, nargs='?',
                         help=argparse.SUPPRESS, **kwargs)
        self.new = new

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f'{option_string} was replaced by {self.new}')


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction`` for ``--cfg-options``; an item without
    ``=`` is a bad argument (one line), not a traceback."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values or []:
            if '=' not in item:
                raise argparse.ArgumentError(
                    self, f'expected KEY=VALUE, got {item!r}')
        super().__call__(parser, namespace, values, option_string)


def run_tool(main: Callable[[Optional[Sequence[str]]], None],
             argv: Optional[Sequence[str]] = None) -> int:
    """Run a tool's ``main``; a user error becomes one line and status 1.

    :class:`UserError` (bad data, checkpoint, config value, diverged
    training...) and ``FileNotFoundError`` print ``error: MESSAGE`` on
    stderr; any other exception is a bug and keeps its traceback. The
    process group is destroyed in every case.

    Args:
        main (Callable): The tool's ``main(argv)``.
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.

    Returns:
        int: The exit status, 0 on success.
    """
    try:
        main(argv)
    except (UserError, FileNotFoundError) as error:
        print(f'error: {error_line(error)}', file=sys.stderr, flush=True)
        teardown_distributed()
        return 1
    except BaseException:
        teardown_distributed()
        raise
    teardown_distributed(wait_for_all=True)
    return 0


def exit_tool(main: Callable[[Optional[Sequence[str]]], None]) -> NoReturn:
    """Run a tool's ``main`` as its process's entry point
    (:func:`run_tool`) and exit with its status.

    A process of a DDP run on CPU (torchrun, gloo) can abort at exit
    although its work is done and its process group destroyed: a gloo
    worker thread may release the last collective's work, which holds
    tensors owned by Python, only after the main thread has returned. If
    the interpreter is finalising by then, the thread cannot take the GIL,
    is unwound through a ``noexcept`` destructor and ``std::terminate``
    aborts the process ("terminate called without an active exception",
    SIGABRT; about 1 run in 100 with 2 processes), which torchrun reports
    as a failed run. Such a process runs its exit handlers (logging's flush
    among them), flushes its streams and leaves through ``os._exit``,
    without finalising the interpreter. Any other process exits normally.

    Args:
        main (Callable): The tool's ``main(argv)``.
    """
    status = run_tool(main)
    if dist.is_torchelastic_launched() and not torch.cuda.is_available():
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config (its ``custom_imports`` included) and merge
    ``--cfg-options``.

    Raises:
        FileNotFoundError: if ``path``, or a config it inherits (e.g.
            ``mmseg_unetpp::unetpp/....py``), is not a file.
        ConfigError: if the config cannot be parsed.
    """
    require_file(path, 'config file')
    try:
        cfg = Config.fromfile(path)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    except FileNotFoundError as error:  # a base config, named by MMEngine
        raise FileNotFoundError(f'{path}: {error}') from None
    except (SyntaxError, ImportError, KeyError, ValueError, TypeError,
            AttributeError, NameError) as error:
        raise ConfigError(f'config {path}: {_message(error)}') from error
    return cfg


def _message(error: BaseException) -> str:
    """An exception's text; KeyError's without the quotes it adds."""
    if isinstance(error, KeyError) and error.args:
        return ' '.join(str(error.args[0]).split())
    return error_line(error)


def build_runner(cfg: Config, mode: str) -> Runner:
    """``Runner.from_cfg`` plus the loops ``mode`` runs, built now, so that a
    bad config value is reported before any work starts.

    Args:
        cfg (Config): The config.
        mode (str): ``'train'`` (train and val loops) or ``'test'``.

    Returns:
        Runner: The runner.

    Raises:
        ConfigError: naming the config, for a value MMEngine, MMSeg or this
            package refuse (``ValueError``, ``TypeError``, ``KeyError`` of
            an unknown type, ``AssertionError`` of a failed MMEngine check).
    """
    if mode == 'train':
        _check_schedule(cfg)
    _check_data_folders(cfg, mode)
    try:
        runner = Runner.from_cfg(cfg)
        if mode == 'train':
            runner.train_loop  # noqa: B018 (builds datasets and samplers)
            runner.val_loop  # noqa: B018
        else:
            runner.test_loop  # noqa: B018
    except UserError:
        raise
    except (ValueError, TypeError, KeyError, AssertionError) as error:
        raise ConfigError(f'config {cfg.filename}: {_message(error)}'
                          ) from error
    return runner


def _check_data_folders(cfg: Config, mode: str) -> None:
    """Refuse retinal data that MMSeg's converters have not prepared (see
    :mod:`mmseg_unetpp.datasets.retinal`), before any dataset is built."""
    from mmseg_unetpp.datasets.retinal import check_retinal_data
    loaders = ['test_dataloader']
    if mode == 'train':
        loaders = ['train_dataloader']
        if cfg.get('val_cfg') is not None:
            loaders.append('val_dataloader')
    check_retinal_data(cfg, loaders)


def _check_schedule(cfg: Config) -> None:
    """Refuse an iteration-based schedule that begins after training ends
    (MMEngine ends a scheduler without ``end`` at ``max_iters``)."""
    max_iters = (cfg.get('train_cfg') or {}).get('max_iters')
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for k, scheduler in enumerate(schedulers):
        if (max_iters is None or scheduler.get('by_epoch', True)
                or 'end' in scheduler):
            continue
        begin = scheduler.get('begin', 0)
        if begin >= max_iters:
            raise ConfigError(
                f'config {cfg.filename}: train_cfg.max_iters={max_iters} '
                f'ends before param_scheduler[{k}] ({scheduler.get("type")}) '
                f'begins at iteration {begin}; train at least {begin + 1} '
                'iterations, or set param_scheduler=[]')


def set_hook(cfg: Config, name: str, hook_type: str, **override: Any) -> None:
    """Make ``default_hooks[name]`` a hook of ``hook_type`` with the
    arguments in ``override`` (``enabled=True`` switches it on).

    An existing entry of that type keeps its other arguments; an entry of
    another type is replaced. A hook of ``hook_type`` that the config also
    lists in ``custom_hooks`` gets ``override`` too, so no copy of it runs
    with the old arguments.

    Args:
        cfg (Config): The config.
        name (str): The key in ``default_hooks`` (``'checkpoint_match'``).
        hook_type (str): A registered hook type.
        **override: Arguments to set.
    """
    hooks = cfg.get('default_hooks') or {}
    hook = hooks.get(name) or {}
    if hook.get('type') != hook_type:
        hook = dict(type=hook_type)
    hook.update(override)
    hooks[name] = hook
    cfg.default_hooks = hooks
    for hook in cfg.get('custom_hooks') or []:
        if hook.get('type') == hook_type:
            hook.update(override)


def data_root_options(cfg: Config, data_root: str) -> Dict[str, str]:
    """``--cfg-options`` that point the dataset of every dataloader of
    ``cfg`` at ``data_root``, inside dataset wrappers: MMSeg's DRIVE base
    wraps its train set in ``RepeatDataset``
    (``train_dataloader.dataset.dataset.data_root``), a ``ConcatDataset``
    has a list of ``datasets``.

    Args:
        cfg (Config): The config.
        data_root (str): The folder.

    Returns:
        dict: ``{'train_dataloader.dataset.dataset.data_root': data_root,
        ...}``.
    """
    options = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset')
        if dataset:
            for key, _ in inner_datasets(dataset, f'{loader}.dataset'):
                options[f'{key}.data_root'] = data_root
    return options


def logged_scalars(work_dir: str) -> List[dict]:
    """The records MMEngine logged for the newest run in ``work_dir``
    (its ``TIMESTAMP/vis_data/scalars.json``), one dict per line.

    Raises:
        RuntimeError: when no run in ``work_dir`` logged any.
    """
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not paths:
        raise RuntimeError(f'no scalars.json under {work_dir}')
    with open(paths[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def set_work_dir(cfg: Config, work_dir: Optional[str], config: str) -> None:
    """``--work-dir``, else the config's, else ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])


def require_file(path: str, what: str) -> None:
    """Raise ``FileNotFoundError('{what} not found: {path}')`` unless
    ``path`` is a file (:func:`run_tool` prints it as one line)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')


def sync_bn_to_bn(node: Any) -> bool:
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
        found = sync_bn_to_bn(child) or found
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
    if sync_bn_to_bn(cfg.model):
        print_log(
            'SyncBN needs CUDA: using BN (per-process statistics) for DDP '
            'on CPU', 'current', logging.WARNING)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper.setdefault('device_ids', None)
    # As MMEngine's default wrapper; BN statistics are averaged across
    # processes after every iteration by SyncBuffersEveryIterHook
    # (default_hooks.sync_buffers in the schedules).
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed(wait_for_all: bool = False) -> None:
    """Destroy the process group before exit.

    A gloo group left alive, or destroyed while another process still uses
    its connections, can abort the process at exit ("terminate called
    without an active exception"). After a successful run every process
    first waits for the others (``wait_for_all``); after an error it does
    not (the others may never arrive; torchrun stops them).

    Args:
        wait_for_all (bool): Pass a barrier first. Default: False.
    """
    if dist.is_available() and dist.is_initialized():
        if wait_for_all:
            dist.barrier()
        dist.destroy_process_group()
