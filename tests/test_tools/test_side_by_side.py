"""tools/analysis_tools/side_by_side.py: each config's iterations come from
its own calibrated step time, and the table holds the final validation;
with --hold-out, every run trains without the held-out train frames."""
import json
import os

from helpers import run_main
from tiny_project import make_data, write_config

from mmseg_unetpp.utils.launch import logged_scalars


def test_iterations_follow_each_step_time(tmp_path, capsys):
    data = make_data(tmp_path / 'data')
    small = write_config(tmp_path / 'w4.py', data, width=4)
    large = write_config(tmp_path / 'w32.py', data, width=32)
    work = tmp_path / 'work'
    # Scored per level; as the CPU budget schedule has it, validated and
    # saved once, after the last iteration.
    options = ('val_evaluator.type=PerLevelIoUMetric '
               'test_evaluator.type=PerLevelIoUMetric '
               'train_cfg.val_interval=1000000000 '
               'default_hooks.checkpoint.interval=-1')
    # A core each where there are two (the runs go at the same time).
    cores = (sorted(os.sched_getaffinity(0)) * 2)[:2]
    budget = 0.4  # seconds: a dozen iterations or so
    assert run_main('analysis_tools/side_by_side.py', small, large,
                    '--budget', budget, '--cores', *cores,
                    '--calibration-iters', 11, '--options', options, options,
                    '--work-dir', work) == 0
    result = json.loads((work / 'side_by_side.json').read_text())
    assert result['budget'] == budget
    runs = result['runs']
    assert [r['config'] for r in runs] == [str(small), str(large)]
    for k, run in enumerate(runs):
        assert run['iters'] == max(1, round(budget / run['calibrated_step']))
        # Training time: the logged mean step times the iterations; the
        # validation's record (its seconds per image) is not training.
        records = logged_scalars(str(work / f'{k}_w{(4, 32)[k]}' / 'run'))
        steps = [r['time'] for r in records if 'iter' in r]
        assert any('iter' not in r and 'time' in r for r in records)
        assert run['train_seconds'] == round(
            sum(steps) / len(steps) * run['iters'], 3)
        assert 'mIoU' in run['metrics'] and 'l2.mIoU' in run['metrics']
    # The wider model's step is slower (some three times on a quiet
    # machine): it gets fewer iterations.
    assert runs[0]['iters'] >= runs[1]['iters']
    # The first of the 3 val frames chooses the levels, the others are
    # scored: the validation runs over 2 frames, after the choice.
    assert (result['select_frames'], result['scored_frames']) == ([0],
                                                                  [1, 2])
    for k, name in enumerate(('w4', 'w32')):
        log = (work / f'{k}_{name}' / 'run' / 'train.log').read_text()
        assert 'accurate mode averages' in log
        assert '(selection split mIoU' in log
        assert 'Iter(val) [2/2]' in log and 'Iter(val) [3/3]' not in log
        # Each config's options reach its run: validated once, at the end.
        assert sum('Iter(val) [2/2]' in line and 'mIoU:' in line
                   for line in log.splitlines()) == 1
    table = capsys.readouterr().out
    assert '| w4.py' in table and 'mean of levels (fixed)' in table
    assert 'levels chosen on val frames 0-0, scores on frames 1-2' in table


def test_too_few_val_frames_to_split(tmp_path, capsys):
    data = make_data(tmp_path / 'data', num_val=1)
    config = write_config(tmp_path / 'w4.py', data)
    assert run_main('analysis_tools/side_by_side.py', config, '--budget',
                    1) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith(': val: --select-split 0.25 leaves no frame '
                          'to score (1 frames)')


def test_table_of_a_model_without_levels(capsys):
    """A one-branch model's row has no mean of levels ('-'), and a model
    with levels gives the mean of all of them."""
    from helpers import load_tool
    tool = load_tool('analysis_tools/side_by_side.py')
    run = dict(config='a.py', core=0, options=[], calibrated_step=0.5,
               iters=10, train_seconds=5.0)
    tool.print_table(dict(
        budget=5.0, seed=0, select_frames=[], scored_frames=[],
        runs=[dict(run, metrics={'mIoU': 48.78}),
              dict(run, config='b.py', metrics={
                  'mIoU': 50.0, 'l1.mIoU': 40.0, 'l2.mIoU': 50.0,
                  'l1-l2.mIoU': 45.0})]))
    rows = capsys.readouterr().out.splitlines()[-2:]
    assert rows[0].split('|')[5:8] == [' 48.78 ', ' - ', ' 48.78 ']
    assert rows[1].split('|')[5:8] == [' 50.00 ', ' 45.00 ', ' 50.00 ']
