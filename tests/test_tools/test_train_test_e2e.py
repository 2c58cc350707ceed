"""End to end: a config outside the repo that inherits ``mmseg::`` pieces and
imports the plugin through ``custom_imports`` trains, resumes and tests with
MMSeg's stock tools (their command lines) and with ours (in this process),
on generated data."""
import os.path as osp
import sys
from pathlib import Path

import mmseg
import pytest
from helpers import run_command as run
from helpers import run_main
from tiny_project import REPO, make_data, write_config

STOCK_TOOLS = Path(mmseg.__file__).parent / '.mim' / 'tools'

# The tools' tiny project config, with what these tests add: per-level
# validation, test-time augmentation, one validation at the end, no best
# checkpoint.
CONFIG = """
_base_ = ['./tiny_base.py']
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]])
]
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
train_cfg = dict(val_interval=4)
default_hooks = dict(checkpoint=dict(save_best=None))
"""


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """A user's project dir outside the repo with its own config and a
    model trained for 4 iterations by MMSeg's stock train.py."""
    root = tmp_path_factory.mktemp('user_project')
    data = make_data(root / 'data')
    config = root / 'configs' / 'unetpp_tiny.py'
    write_config(config.parent / 'tiny_base.py', data)
    config.write_text(CONFIG)
    work = root / 'work_stock'
    run([sys.executable, STOCK_TOOLS / 'train.py', config, '--work-dir',
         work], cwd=root)
    return dict(root=root, config=config, work=work)


def log_text(work_dir: Path) -> str:
    return '\n'.join(p.read_text() for p in work_dir.rglob('*.log'))


def test_stock_train_saves_checkpoints_and_validates(project):
    work = project['work']
    assert (work / 'iter_2.pth').is_file() and (work / 'iter_4.pth').is_file()
    log = log_text(work)
    assert 'l1.mIoU' in log and 'l2.mIoU' in log and 'decode.l2.loss_ce' in log


def test_accurate_mode_is_the_best_prediction_of_the_last_validation(
        project):
    """FusionSelectHook (in the runtime base): the last checkpoint holds the
    levels that scored best at the validation after it, and MMSeg's stock
    test.py, which tests on that val split here, reports their score as
    the default mIoU: never below the best single level."""
    import json

    from mmseg_unetpp.utils import load_from_local_weights_only
    scalars = next(project['work'].rglob('scalars.json'))
    last_val = [json.loads(line) for line in scalars.read_text().splitlines()
                if 'l1.mIoU' in line][-1]
    candidates = {'l1': [1.0, 0.0], 'l2': [0.0, 1.0], 'l1-l2': [1.0, 1.0]}
    best = max(last_val[f'{name}.mIoU'] for name in candidates)
    assert best >= max(last_val['l1.mIoU'], last_val['l2.mIoU'])
    chosen = [name for name in candidates
              if last_val[f'{name}.mIoU'] == best]
    checkpoint = load_from_local_weights_only(
        str(project['work'] / 'iter_4.pth'))
    weights = checkpoint['state_dict']['decode_head.fusion_weights'].tolist()
    assert weights in [candidates[name] for name in chosen]
    out = run([sys.executable, STOCK_TOOLS / 'test.py', project['config'],
               project['work'] / 'iter_4.pth', '--work-dir',
               project['root'] / 'test_fused'], cwd=project['root'])
    text = out.stdout + out.stderr
    tested = float(text.split('Iter(test)')[-1].split('mIoU: ')[1].split()[0])
    assert tested == pytest.approx(best, abs=0.01)


def test_stock_resume(project):
    """(MMSeg's stock test.py runs in the test above.)"""
    root, config, work = project['root'], project['config'], project['work']
    run([sys.executable, STOCK_TOOLS / 'train.py', config, '--work-dir',
         work / 'resumed', '--resume', '--cfg-options',
         'train_cfg.max_iters=6', f'load_from={work / "iter_4.pth"}'],
        cwd=root)
    assert (work / 'resumed' / 'iter_6.pth').is_file()
    assert not (work / 'resumed' / 'iter_2.pth').exists()
    assert 'resumed' in log_text(work / 'resumed').lower()


def test_our_tools_resume_from_checkpoint_and_test(project, tool):
    root, config, work = project['root'], project['config'], project['work']
    ours = root / 'work_ours'
    assert tool('train', config, '--work-dir', ours, '--resume',
                work / 'iter_4.pth', '--cfg-options',
                'train_cfg.max_iters=6').code == 0
    assert (ours / 'iter_6.pth').is_file()
    assert not (ours / 'iter_2.pth').exists()  # continued from iter 4
    vis, pred = root / 'overlays', root / 'pred'
    out = run([sys.executable, REPO / 'tools' / 'test.py', config,
               ours / 'iter_6.pth', '--work-dir', root / 'test_ours',
               '--show-dir', vis, '--out', pred], cwd=root)
    text = out.stdout + out.stderr
    assert 'l2.mIoU' in text and 'accurate' in text
    assert len(list(vis.rglob('*.png'))) == 3
    assert len(list(pred.glob('*.png'))) == 3


def test_fast_mode_from_command_line_and_tta(project, tool):
    root, config, work = project['root'], project['config'], project['work']
    ckpt = work / 'iter_4.pth'
    result = tool('test', config, ckpt, '--work-dir', root / 'test_fast',
                  '--cfg-options', 'model.decode_head.fast_level=1')
    text = result.out + result.err
    assert result.code == 0 and 'mIoU' in text and 'l2.mIoU' not in text
    result = tool('test', config, ckpt, '--work-dir', root / 'test_tta',
                  '--tta')
    assert result.code == 0 and 'mIoU' in result.out + result.err


@pytest.mark.parametrize('name, args, missing', [
    ('train', ['no_such_config.py'], 'config file not found: '
     'no_such_config.py'),
    ('test', ['CONFIG', 'no_such.pth'], 'checkpoint not found: '
     'no_such.pth'),
    ('test', ['no_such_config.py', 'CKPT'], 'config file not found'),
])
def test_missing_paths_give_one_line_errors(project, tool, name, args,
                                            missing):
    args = [
        str(project['config']) if a == 'CONFIG' else
        str(project['work'] / 'iter_4.pth') if a == 'CKPT' else a
        for a in args
    ]
    result = tool(name, *args)
    assert result.code != 0
    assert 'Traceback' not in result.err
    assert missing in result.error


def test_missing_data_root_names_path_and_command(tmp_path):
    from mmseg_unetpp.datasets import CamVidDataset
    missing = osp.join(str(tmp_path), 'camvid')
    with pytest.raises(FileNotFoundError) as error:
        CamVidDataset(data_root=missing,
                      data_prefix=dict(img_path='train',
                                       seg_map_path='trainannot'))
    assert missing in str(error.value)
    assert 'tools/dataset_converters/camvid.py' in str(error.value)


def test_level_report_costs_and_scores_every_level(project, capsys):
    root, config, work = project['root'], project['config'], project['work']
    assert run_main('analysis_tools/level_report.py', config,
                    work / 'iter_4.pth', '--size', 40, 56, '--iters', 1,
                    '--work-dir', root / 'report') == 0
    rows = {
        line.split('|')[1].strip(): [c.strip() for c in line.split('|')[2:6]]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('| ')
    }
    assert {'l1', 'l2', 'accurate'} <= set(rows)
    params = [float(rows[k][0]) for k in ('l1', 'l2')]
    gflops = [float(rows[k][1]) for k in ('l1', 'l2')]
    assert params[0] < params[1] and gflops[0] < gflops[1]
    for name in ('l1', 'l2', 'accurate'):
        assert 0 <= float(rows[name][3]) <= 100
