"""End to end, outside the repo: build the sdist and a wheel from it (what
``pip install`` of a release does), install the wheel (not editable) into a
new virtual environment that reuses the installed OpenMMLab stack, and
train a user config that inherits ``mmseg_unetpp::...`` with the tools
installed in the package and with MMSeg's stock ``train.py``."""
import json
import re
import shutil
import site
import sys
import zipfile
from pathlib import Path

import mmseg
import pytest
from helpers import run_command

from mmseg_unetpp.datasets import make_camvid_demo
from mmseg_unetpp.utils import load_from_local_weights_only

REPO = Path(__file__).resolve().parents[2]
CLASSES = ('Sky', 'Building', 'Road')
STOCK_TRAIN = Path(mmseg.__file__).parent / '.mim' / 'tools' / 'train.py'
# Never copied into the build: version control, environments, outputs.
SKIP_TOP = {'.git', '.venv', 'build', 'dist', 'data', 'work_dirs'}
SKIP_ANY = {'__pycache__', '.pytest_cache', '.ruff_cache', '.mim'}
SHIPPED_CONFIGS = [
    p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts
]

USER_CONFIG = """
_base_ = ['mmseg_unetpp::{inherited}']
data_root = {data_root!r}
classes = {classes!r}
dataset = dict(data_root=data_root, metainfo=dict(classes=classes))
train_dataloader = dict(batch_size=1, dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
model = dict(decode_head=dict(num_classes=len(classes)))
train_cfg = dict(max_iters=1, val_interval=1)
param_scheduler = []  # one iteration: no warm-up
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=1, save_best=None))
"""

# One process of the new environment: first the user config trains with
# the tools installed in the package (as ``python TRAIN CONFIG --work-dir
# WORK`` runs it), then it says which mmseg_unetpp it imports and which
# files MMEngine reads for the user config and for each config the package
# ships (its last line). MMEngine reads every metafile of a package at each
# ``package::`` base it resolves (some 0.4 s each): there each (package,
# config) is looked up once, as tests/conftest.py has it in the tests'
# process.
INSTALLED = """
import functools, json, os.path as osp, runpy, sys
from pathlib import Path

train, config, work = sys.argv[1:]
sys.argv, sys.path[0] = [train, config, '--work-dir', work], osp.dirname(train)
try:
    runpy.run_path(train, run_name='__main__')
except SystemExit as exit_:
    if exit_.code:
        raise

import mmengine.config.utils as config_utils
import mmseg_unetpp
from mmengine.config import Config
from mmseg_unetpp.utils.private_api import private_api

# Each metafile read once (MMEngine reads them all at every mmseg:: base).
config_utils.load = functools.lru_cache(maxsize=None)(
    private_api('mmengine.config.utils.load'))

def read(path):
    return [line for line in Config.fromfile(path).text.splitlines()
            if line.endswith('.py') and osp.isfile(line)]

configs = Path(mmseg_unetpp.__file__).parent / '.mim' / 'configs'
print(json.dumps(dict(
    package=osp.dirname(mmseg_unetpp.__file__),
    user=read(config),
    shipped={str(p): read(p) for p in configs.rglob('*.py')
             if '_base_' not in p.parts})))
"""


def run(args, cwd, check=True):
    """Run in the new environment: no PYTHONPATH, which would put a source
    tree before the installed package."""
    return run_command(args, cwd=cwd, check=check, without=['PYTHONPATH'])


def skip(directory: str, names: list) -> set:
    top = Path(directory) == REPO
    return {
        n
        for n in names if n in SKIP_ANY or n.endswith('.egg-info') or (
            top and n in SKIP_TOP)
    }


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The wheel, and a new venv holding it over the current stack."""
    root = tmp_path_factory.mktemp('packaging')
    src, dist = root / 'src', root / 'dist'
    shutil.copytree(REPO, src, ignore=skip, symlinks=True)
    run([
        sys.executable, '-c', 'import sys; from setuptools import build_meta;'
        'build_meta.__legacy__.build_sdist(sys.argv[1])', dist
    ], cwd=src)
    shutil.rmtree(src)  # from now on the package can only come from dist
    sdist, = dist.glob('*.tar.gz')
    run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', '--no-index', '-w', dist, sdist
    ], cwd=root)
    wheel, = dist.glob('*.whl')

    venv = root / 'venv'
    run([sys.executable, '-m', 'venv', '--without-pip', venv], cwd=root)
    python = venv / 'bin' / 'python'
    purelib = Path(run([
        python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'
    ], cwd=root).stdout.strip())
    # The current environment's packages after the venv's own (a path line
    # in a .pth appends; its own .pth files, such as an editable install's
    # finder, are not run).
    stack = site.getsitepackages() + (
        [site.getusersitepackages()] if site.ENABLE_USER_SITE else [])
    (purelib / 'zz_current_stack.pth').write_text('\n'.join(stack) + '\n')
    run([
        python, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index',
        '--ignore-installed', '--disable-pip-version-check', wheel
    ], cwd=root)
    return dict(root=root, wheel=wheel, python=python,
                package=purelib / 'mmseg_unetpp')


@pytest.fixture(scope='module')
def user_project(installed, inherited_config):
    """A user's folder with generated data and a config inheriting ours."""
    root = installed['root'] / 'user_project'
    data = make_camvid_demo(str(root / 'data'), num_train=2, num_val=1,
                            size=(45, 60))
    config = root / 'my_unetpp.py'
    config.write_text(
        USER_CONFIG.format(
            inherited=inherited_config, data_root=data, classes=CLASSES))
    return dict(root=root, config=config, inherited=inherited_config)


@pytest.fixture(scope='module')
def installed_run(installed, user_project):
    """:data:`INSTALLED` run on the user's config: its work dir, and what
    the environment imported and read."""
    work = user_project['root'] / 'work_ours'
    train = installed['package'] / '.mim' / 'tools' / 'train.py'
    out = run([installed['python'], '-c', INSTALLED, train,
               user_project['config'], work], cwd=user_project['root']).stdout
    return dict(work=work, read=json.loads(out.splitlines()[-1]))


def test_wheel_ships_configs_and_tools(installed, inherited_config):
    with zipfile.ZipFile(installed['wheel']) as whl:
        names = set(whl.namelist())
    mim = 'mmseg_unetpp/.mim/'
    for folder in ('configs', 'tools'):
        shipped = {
            n[len(mim + folder) + 1:]
            for n in names if n.startswith(f'{mim}{folder}/')
        }
        in_repo = {
            p.relative_to(REPO / folder).as_posix()
            for p in (REPO / folder).rglob('*')
            if p.is_file() and not SKIP_ANY & set(p.parts)
            and p.suffix != '.pyc'
        }
        assert shipped == in_repo, folder
    assert f'{mim}model-index.yml' in names
    assert f'{mim}configs/{inherited_config}' in names


def test_wheel_declares_the_deploy_extra(installed):
    with zipfile.ZipFile(installed['wheel']) as whl:
        metadata, = [n for n in whl.namelist()
                     if n.endswith('.dist-info/METADATA')]
        lines = whl.read(metadata).decode().splitlines()
    assert 'Provides-Extra: deploy' in lines
    deploy = {
        line.split(':', 1)[1].split(';')[0].strip()
        for line in lines
        if line.startswith('Requires-Dist:') and 'extra == "deploy"' in line
    }
    assert deploy == set((REPO / 'requirements' / 'deploy.txt'
                          ).read_text().split())
    assert {r.split('>')[0] for r in deploy} == {'onnx', 'onnxruntime'}


def test_installed_package_reads_its_own_configs(installed, user_project,
                                                 installed_run):
    out = installed_run['read']
    assert Path(out['package']) == installed['package']
    configs = installed['package'] / '.mim' / 'configs'
    assert configs.is_dir() and not configs.is_symlink()
    user = [Path(p) for p in out['user'] if Path(p) != user_project['config']]
    assert configs / user_project['inherited'] in user
    # Every shipped config parses from the installed copy, its bases too.
    assert len(out['shipped']) == len(SHIPPED_CONFIGS)
    mmseg_configs = STOCK_TRAIN.parents[1] / 'configs'
    for read in [user, *out['shipped'].values()]:
        assert read and all(
            Path(p).is_relative_to(configs)
            or Path(p).is_relative_to(mmseg_configs) for p in read), read


def test_user_config_trains_with_installed_tools(installed_run):
    work = installed_run['work']
    ckpt = load_from_local_weights_only(str(work / 'iter_1.pth'))
    heads = [v for k, v in ckpt['state_dict'].items()
             if k.endswith('conv_seg.weight')]
    assert heads and all(w.shape[0] == len(CLASSES) for w in heads)
    # validated on the user's classes: MMSeg's per-class table
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    table = re.search(r'per class results:\n.*\n((?:[+|].*\n)+)',
                      log).group(1)
    rows = re.findall(r'^\|\s*(\w+)\s*\|', table, flags=re.M)
    assert rows == ['Class', *CLASSES]


def test_wheel_ships_the_startup_hook(installed):
    with zipfile.ZipFile(installed['wheel']) as whl:
        names = set(whl.namelist())
        line = whl.read('mmseg_unetpp-prefix.pth').decode()
    assert '_mmseg_unetpp_prefix.py' in names
    assert line == ('import _mmseg_unetpp_prefix; '
                    '_mmseg_unetpp_prefix.install()\n')


def test_stock_train_inherits_with_the_prefix(installed, user_project):
    """MMSeg's train.py parses the config before it imports anything of
    this package; the start-up hook makes MMEngine resolve the prefix."""
    work = user_project['root'] / 'work_stock'
    run([installed['python'], STOCK_TRAIN, user_project['config'],
         '--work-dir', work], cwd=user_project['root'])
    ckpt = load_from_local_weights_only(str(work / 'iter_1.pth'))
    heads = [v for k, v in ckpt['state_dict'].items()
             if k.endswith('conv_seg.weight')]
    assert heads and all(w.shape[0] == len(CLASSES) for w in heads)
