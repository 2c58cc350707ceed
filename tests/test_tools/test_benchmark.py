"""tools/analysis_tools/benchmark.py runs each model in its own process and
reports time, peak memory and the ratios to the reference (else to the
first model)."""
import json
from argparse import Namespace
from pathlib import Path

import pytest
import torch
from helpers import load_tool, one_thread, run_main

BENCHMARK = 'analysis_tools/benchmark.py'
CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
FPN = str(CONFIGS / 'fpn' /
          'fpn_efficientnet-lite0_1xb4-4800_camvid-180x240.py')
UNETPP = str(CONFIGS / 'unetpp' /
             'unetpp_efficientnet-lite0_ds_1xb4-4800_camvid-180x240.py')


@pytest.fixture(autouse=True)
def one_thread_each():
    """The workers too: the models are tiny."""
    with one_thread():
        yield


def table_rows(out: str) -> dict:
    """The cells of each model's row of a printed table, by model."""
    return {
        line.split('|')[1].strip(): [c.strip() for c in line.split('|')[2:-1]]
        for line in out.splitlines()
        if line.startswith('| ') and not line.startswith('| model')
    }


def test_a_config_and_a_named_model_compare_in_one_run(capsys):
    """A stock decoder's config and UNet++ by name, each in its own worker
    processes (this process runs the tool), ratios against the first: each
    row holds its model's parameters and numbers, a config's row that of
    its prediction to the original size too."""
    assert run_main(BENCHMARK, '--sizes', '32x32', '--batch', '2', '--width',
                    '4', '--iters', '1', '--ori-size', '64x48', '--models',
                    FPN, 'unetpp') == 0
    out = capsys.readouterr().out
    assert 'ratios against ' + Path(FPN).name in out
    assert 'predict: to 64x48, the class of each pixel' in out
    rows = table_rows(out)
    assert list(rows) == [Path(FPN).name, 'unetpp']
    assert [float(rows[n][0]) for n in rows] == [3.40, 0.14]  # M params
    for cells in rows.values():
        train_ms, eval_ms, train_mb, eval_mb = map(float, cells[1:5])
        assert train_ms > 0 and eval_ms > 0 and train_mb > 0 and eval_mb > 0
    fpn = rows[Path(FPN).name]
    assert fpn[-5:-2] + fpn[-1:] == ['1.00x'] * 4
    assert float(fpn[-2]) > 0  # predict (ms)
    assert rows['unetpp'][-2:] == ['-', '-']  # a named model: no predict


def test_unetpp_is_the_reference_network():
    """Same parameters, and the same outputs for the losses: a logit map
    of the input's size per level."""
    tool = load_tool(BENCHMARK)
    x = torch.randn(1, 3, 32, 48)
    found = {}
    for name in ('unetpp', 'reference'):
        model, logits_of = tool.build(name, 4)
        model.train()
        found[name] = (sum(p.numel() for p in model.parameters()),
                       [tuple(y.shape) for y in logits_of(x)])
    assert found['unetpp'] == found['reference']
    assert found['reference'][1] == [(1, tool.NUM_CLASSES, 32, 48)] * 4


def test_ratios_are_against_the_reference_wherever_it_is_listed(capsys):
    numbers = dict(params_m=0.14, eval_ms=10.0, eval_peak_mb=5.0)
    results = {
        'unetpp': dict(numbers, train_ms=20.0, train_peak_mb=40.0),
        'reference': dict(numbers, train_ms=40.0, train_peak_mb=20.0),
    }
    args = Namespace(batch=1, width=4, device='cpu', amp=False,
                     channels_last=False, ori_size=None)
    load_tool(BENCHMARK).report(results, (32, 48), args)
    out = capsys.readouterr().out
    assert 'input 1x3x32x48, width 4, cpu' in out
    assert out.splitlines()[1].endswith('; ratios against reference')
    assert 'predict' not in out  # no config: no predict columns
    rows = table_rows(out)
    assert list(rows) == ['unetpp', 'reference']
    assert rows['reference'][-3:] == ['1.00x'] * 3
    # speed-ups: reference / model; memory: model / reference
    assert rows['unetpp'][1:] == ['20', '10', '40', '5', '2.00x', '1.00x',
                                  '2.00x']


def test_a_unetpp_config_row_holds_its_prediction(capsys):
    """The worker's measurement of a UNet++ config (every level's logits
    in the loss), run in this process: the parameters of its model, the
    time of its prediction to the original size."""
    assert run_main(BENCHMARK, '--worker', UNETPP, '--measure', 'time',
                    '--size', 32, 32, '--batch', 2, '--iters', 1,
                    '--ori-size', '64x48') == 0
    found = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert round(found['params_m'], 2) == 3.63
    assert found['train_ms'] > 0 and found['eval_ms'] > 0
    assert found['predict_ms'] > 0


def test_bad_size_is_an_argparse_error(capsys):
    assert run_main(BENCHMARK, '--sizes', '176by240') == 2
    assert ("size must look like HEIGHTxWIDTH (e.g. 360x480), got "
            "'176by240'" in capsys.readouterr().err)


def test_unknown_model_is_an_argparse_error(capsys):
    assert run_main(BENCHMARK, '--models', 'fpn.py') == 2
    assert "'fpn.py' is neither one of unetpp" in capsys.readouterr().err
