"""``tools/test.py`` refuses what would give a wrong score: a checkpoint
that does not fit the config or is truncated, a bad test sample."""
from pathlib import Path

import pytest
from broken_data import raw_camvid_ids, truncate
from tiny_project import make_data, run_in_process, write_config


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """Data, a width-16 and a width-32 config, a width-16 checkpoint."""
    root = tmp_path_factory.mktemp('test_tool')
    data = make_data(root / 'data')
    w16 = write_config(root / 'w16.py', data, width=16)
    work = root / 'work'
    assert run_in_process('train', w16, '--work-dir', work, '--cfg-options',
                          'train_cfg.max_iters=2') == 0
    return dict(
        root=root,
        data=data,
        w16=w16,
        w32=write_config(root / 'w32.py', data, width=32),
        checkpoint=work / 'iter_2.pth')


def test_checkpoint_of_another_width_is_refused_in_one_line(project, tool):
    result = tool('test', project['w32'], project['checkpoint'])
    assert result.code == 1 and 'Traceback' not in result.err
    head, tail = result.error.split(' tensor(s) of another shape ')
    assert head.startswith(f'error: {project["checkpoint"]} does not fit the '
                           'model of this config: ')
    assert tail == (
        '(backbone.encoder.x_0_0.convs.0.conv.weight: (16, 3, 3, 3) in the '
        'checkpoint, (32, 3, 3, 3) in the model; backbone.encoder.x_0_0.convs.'
        '0.bn.weight: (16,) in the checkpoint, (32,) in the model; ...); it '
        'was trained with another model or config')
    assert 'metrics:' not in result.out


def test_matching_checkpoint_is_tested(project, tool):
    result = tool('test', project['w16'], project['checkpoint'], '--work-dir',
                  project['root'] / 'test_ok')
    assert result.code == 0, result.err
    assert 'metrics: aAcc ' in result.out and ', mIoU ' in result.out


def test_truncated_checkpoint_is_refused_in_one_line(project, tool,
                                                      tmp_path):
    broken = tmp_path / 'iter_2.pth'
    broken.write_bytes(project['checkpoint'].read_bytes())
    truncate(broken)
    result = tool('test', project['w16'], broken)
    assert result.code == 1
    assert result.error == (f'error: {broken}: truncated or corrupt (no zip '
                            'directory at its end)')


BAD_LABEL = ('{data}/valannot/demo_val_0001.png: label ids 12..31 are not '
             'classes; expected ids 0..10 (11 classes), or 11, 255 (ignored)')


def test_bad_test_sample_stops_the_test_before_it_starts(project, tmp_path,
                                                         tool):
    """The data check decodes every test sample first: one line naming the
    label file, no score."""
    data = Path(make_data(tmp_path / 'data'))
    raw_camvid_ids(data / 'valannot' / 'demo_val_0001.png')
    config = write_config(tmp_path / 'cfg.py', str(data), width=16)
    result = tool('test', config, project['checkpoint'], '--work-dir',
                  tmp_path / 'work')
    assert result.code == 1 and 'metrics:' not in result.out
    assert result.error == (
        'error: data check: 1 problem(s) in 3 test samples; first: ' +
        BAD_LABEL.format(data=data) + '. Fix or remove these samples '
        '(tools/train.py --no-data-check, or --cfg-options '
        'default_hooks.data_check.samples=False, skips this check)')


def test_bad_test_sample_read_by_a_worker_is_one_line(project, tmp_path,
                                                     tool):
    """With a DataLoader worker process and the data check off: the
    worker's error names the label file, no traceback, no score."""
    data = Path(make_data(tmp_path / 'data'))
    raw_camvid_ids(data / 'valannot' / 'demo_val_0001.png')
    config = write_config(tmp_path / 'cfg.py', str(data), width=16)
    result = tool('test', config, project['checkpoint'], '--work-dir',
                  tmp_path / 'work', '--cfg-options',
                  'test_dataloader.num_workers=1',
                  'default_hooks.data_check.samples=False')
    assert result.code == 1
    assert 'Traceback' not in result.err and 'metrics:' not in result.out
    assert result.error == 'error: ' + BAD_LABEL.format(data=data)
