"""tools/analysis_tools/benchmark_onnx.py: one row per requested
prediction; the pruned level's graph is the smaller one."""
import pytest
from helpers import run_main

pytest.importorskip('onnxruntime')


def bench(monkeypatch, *args) -> int:
    return run_main('analysis_tools/benchmark_onnx.py', *args)


def test_rows_for_accurate_and_a_pruned_level(deploy_project, monkeypatch,
                                              capsys):
    assert bench(monkeypatch, deploy_project['config'],
                 deploy_project['checkpoint'], '--predictions', 'accurate',
                 '2', '--shape', 40, 56, '--iters', 1, '--threads', 1) == 0
    rows = {
        line.split('|')[1].strip(): [float(c) for c in line.split('|')[2:6]]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('| ') and not line.startswith('| prediction')
    }
    assert list(rows) == ['accurate', 'l2 (fast)']
    params, onnx_mb = 0, 1
    assert rows['l2 (fast)'][params] < rows['accurate'][params]
    assert rows['l2 (fast)'][onnx_mb] < rows['accurate'][onnx_mb]
    assert all(ms > 0 for row in rows.values() for ms in row[2:])


def test_unknown_prediction_is_one_line(deploy_project, monkeypatch,
                                       capsys):
    assert bench(monkeypatch, deploy_project['config'], '--predictions',
                 'l2') == 2
    assert capsys.readouterr().err.endswith(
        "error: --predictions takes 'accurate' or level numbers, got 'l2' "
        '(see --help)\n')
