"""tools/analysis_tools/side_by_side.py: each config's iterations come from
its own calibrated step time, and the table holds the final validation."""
import json
import os

from helpers import run_main
from tiny_project import make_data, write_config


def test_iterations_follow_each_step_time(tmp_path, capsys):
    data = make_data(tmp_path / 'data')
    small = write_config(tmp_path / 'w4.py', data, width=4)
    large = write_config(tmp_path / 'w16.py', data, width=16)
    work = tmp_path / 'work'
    per_level = ('val_evaluator.type=PerLevelIoUMetric '
                 'test_evaluator.type=PerLevelIoUMetric')
    # A core each where there are two (the runs go at the same time).
    cores = (sorted(os.sched_getaffinity(0)) * 2)[:2]
    assert run_main('analysis_tools/side_by_side.py', small, large,
                    '--budget', 1, '--cores', *cores, '--calibration-iters',
                    11, '--options', per_level, per_level, '--work-dir',
                    work) == 0
    result = json.loads((work / 'side_by_side.json').read_text())
    assert result['budget'] == 1
    runs = result['runs']
    assert [r['config'] for r in runs] == [str(small), str(large)]
    for run in runs:
        assert run['iters'] == max(1, round(1 / run['calibrated_step']))
        assert 'mIoU' in run['metrics'] and 'l2.mIoU' in run['metrics']
    # The wider model's step is slower: it gets fewer iterations.
    assert runs[0]['iters'] >= runs[1]['iters']
    table = capsys.readouterr().out
    assert '| w4.py' in table and 'default after training' in table
