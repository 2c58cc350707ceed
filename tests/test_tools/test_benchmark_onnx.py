"""tools/analysis_tools/benchmark_onnx.py: one row per requested
prediction; the pruned level's graph is the smaller one."""
import sys

import pytest
from helpers import load_tool

pytest.importorskip('onnxruntime')


def bench(monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', ['benchmark_onnx.py'] +
                        [str(a) for a in args])
    load_tool('analysis_tools/benchmark_onnx.py').main()


def test_rows_for_accurate_and_a_pruned_level(deploy_project, monkeypatch,
                                              capsys):
    bench(monkeypatch, deploy_project['config'],
          deploy_project['checkpoint'], '--predictions', 'accurate', '2',
          '--shape', 40, 56, '--iters', 1, '--threads', 1)
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


def test_unknown_prediction_is_one_line(deploy_project, monkeypatch):
    with pytest.raises(SystemExit) as error:
        bench(monkeypatch, deploy_project['config'], '--predictions', 'l2')
    assert str(error.value) == ("error: --predictions takes 'accurate' or "
                                "level numbers, got 'l2'")
