"""tools/analysis_tools/side_by_side.py --hold-out: every run trains
without the held-out train frames, and chooses (or validates) on them;
here at equal iterations (--iters: no calibration).
Apart from the other side-by-side tests, so that the test processes share
the two files' runs."""
import json
import os

import pytest
from helpers import run_main
from mmengine.config import Config
from tiny_project import make_data, write_config


@pytest.mark.parametrize('validate_on', ['held-out', 'val'])
def test_hold_out_trains_without_the_last_frames(tmp_path, capsys,
                                                 validate_on):
    """6 train frames, the last 2 held out of training; they are the
    validation (choosing recipes) or choose the levels (reporting: the
    validation scores all 3 val frames)."""
    data = make_data(tmp_path / 'data')
    config = write_config(tmp_path / 'w4.py', data)
    work = tmp_path / 'work'
    options = ('val_evaluator.type=PerLevelIoUMetric '
               'train_cfg.val_interval=1000000000 '
               'default_hooks.checkpoint.interval=-1')
    assert run_main('analysis_tools/side_by_side.py', config, '--iters', 3,
                    '--cores', sorted(os.sched_getaffinity(0))[0],
                    '--options', options, '--hold-out', 2, '--validate-on',
                    validate_on, '--work-dir', work) == 0
    result = json.loads((work / 'side_by_side.json').read_text())
    assert (result['hold_out'], result['validate_on'],
            result['held_out_frames']) == (2, validate_on, [4, 5])
    assert result['select_frames'] == []  # --select-split is off
    assert (result['budget'], result['iters'], result['runs'][0]['iters'],
            result['runs'][0]['calibrated_step']) == (None, 3, 3, None)
    assert result['runs'][0]['train_seconds'] > 0  # logged at iteration 3
    assert not (work / '0_w4' / 'calibration').exists()
    cfg = Config.fromfile(str(work / '0_w4' / 'run' / 'w4.py'))
    assert cfg.train_dataloader.dataset.indices == [0, 1, 2, 3]
    assert cfg.train_cfg.max_iters == 3
    val = cfg.val_dataloader.dataset
    hook = cfg.default_hooks.fusion_select
    log = (work / '0_w4' / 'run' / 'train.log').read_text()
    out = capsys.readouterr().out
    assert '3 iterations per run, seed 0; trained without' in out
    if validate_on == 'held-out':
        # The train set's frames 4 and 5, through the val pipeline.
        assert val.indices == [4, 5]
        assert (val.ann_file, val.data_prefix.img_path,
                val.data_prefix.seg_map_path) == ('train.txt', 'train',
                                                  'trainannot')
        assert val.pipeline == cfg.test_pipeline
        assert 'train_indices' not in hook
        assert 'Iter(val) [2/2]' in log and 'Iter(val) [3/3]' not in log
        assert '(val mIoU' in log  # chosen on the validation's scores
        assert ('trained without train frames 4-5; levels chosen and '
                'scores on the held-out train frames 4-5 (for choosing)'
                in out)
    else:
        assert hook.train_indices == [4, 5]
        assert 'indices' not in val and val.data_prefix.img_path == 'val'
        assert 'Iter(val) [3/3]' in log
        assert '(selection split mIoU' in log
        assert 'are trained on too' not in log
        assert ('trained without train frames 4-5; levels chosen on them, '
                'scores on all of val' in out)


@pytest.mark.parametrize('args, error', [
    (('--hold-out', 6), ': train: --hold-out 6 leaves no frame to train on '
     '(6 frames)'),
    (('--validate-on', 'held-out'),
     'error: --validate-on held-out needs --hold-out N (see --help)'),
    (('--iters', 3), 'error: argument --iters: not allowed with argument '
     '--budget (see --help)'),
    (('--hold-out', 2, '--select-split', 0.5),
     'error: --hold-out and --select-split cannot be combined: with '
     '--hold-out, the levels are chosen on the held-out train frames '
     '(see --help)'),
])
def test_bad_hold_outs_are_refused_in_one_line(tmp_path, capsys, args,
                                               error):
    config = write_config(tmp_path / 'w4.py', make_data(tmp_path / 'data'))
    assert run_main('analysis_tools/side_by_side.py', config, '--budget', 1,
                    *args, '--work-dir', tmp_path / 'work') in (1, 2)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(error)
    assert not (tmp_path / 'work').exists()  # nothing trained


def test_hold_out_needs_train_sets_of_one_size(tmp_path, capsys):
    six = write_config(tmp_path / 'six.py', make_data(tmp_path / 'a'))
    five = write_config(tmp_path / 'five.py',
                        make_data(tmp_path / 'b', num_train=5))
    assert run_main('analysis_tools/side_by_side.py', six, five,
                    '--budget', 1, '--hold-out', 2) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        'error: the configs have train sets of different sizes (6, 5 '
        'frames): --hold-out would not hold out the same frames')
