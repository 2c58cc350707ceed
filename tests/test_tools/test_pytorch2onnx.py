"""tools/deployment/pytorch2onnx.py: accurate or pruned fast-mode export,
verified against onnxruntime, one-line errors."""
import re

import pytest
from helpers import run_main

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')


def export_main(monkeypatch, *args):
    assert run_main('deployment/pytorch2onnx.py', *args) == 0


def test_pruned_dynamic_export_verifies_with_onnxruntime(
        deploy_project, monkeypatch, tmp_path, capsys):
    out = tmp_path / 'onnx' / 'unetpp-l2.onnx'
    export_main(monkeypatch, deploy_project['config'],
                deploy_project['checkpoint'], '--out', out, '--fast-level', 2,
                '--shape', 45, 61, '--dynamic', '--verify')
    text = capsys.readouterr().out
    gaps = [float(g) for g in re.findall(r'difference ([0-9.e+-]+)', text)]
    assert len(gaps) == 2 and max(gaps) < 1e-4
    assert 'fast, level 2, dynamic input' in text
    graph = onnx.load(str(out)).graph
    convs = sum(node.op_type == 'Conv' for node in graph.node)
    assert convs == 6 * 2 + 1  # nodes with i + j <= 2, branch 2


def test_accurate_static_export(deploy_project, monkeypatch, tmp_path,
                                capsys):
    out = tmp_path / 'unetpp.onnx'
    export_main(monkeypatch, deploy_project['config'],
                deploy_project['checkpoint'], '--out', out, '--shape', 40,
                56, '--verify')
    assert 'accurate, static input' in capsys.readouterr().out
    dims = [d.dim_value for d in
            onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 40, 56]


@pytest.mark.parametrize('args, message', [
    (['--fast-level', 0], 'error: fast_level must be None (accurate mode) '
     'or one of the branch levels [1, 2, 3, 4], got 0'),
    (['--level', 2], 'error: --level was replaced by --fast-level K'),
    (['--shape', 8, 8], 'error: cannot export at --shape 8 8: input sides '
     'must be >= 2**L = 16'),
])
def test_bad_arguments_are_one_line(deploy_project, tmp_path, capsys, args,
                                    message):
    assert run_main('deployment/pytorch2onnx.py', deploy_project['config'],
                    deploy_project['checkpoint'], '--out',
                    tmp_path / 'x.onnx', *args) in (1, 2)
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1
