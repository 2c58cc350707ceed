"""tools/analysis_tools/benchmark.py runs each model in its own process and
reports time, peak memory and the ratios to the reference."""
from pathlib import Path

from helpers import run_main

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


def test_reports_every_model_against_the_reference(capsys):
    # The tool in this process; each model in its own worker processes.
    assert run_main('analysis_tools/benchmark.py', '--sizes', '32x48',
                    '--batch', '1', '--width', '4', '--iters', '1',
                    '--models', 'unetpp', 'reference') == 0
    rows = {
        line.split('|')[1].strip(): line.split('|')[2:-1]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('| unet') or line.startswith('| ref')
    }
    assert set(rows) == {'unetpp', 'reference'}
    # Same network: same parameter count; the reference's ratios are 1.
    assert len({r[0].strip() for r in rows.values()}) == 1
    assert [c.strip() for c in rows['reference'][-3:]] == ['1.00x'] * 3
    for cells in rows.values():
        train_ms, eval_ms, train_mb = (float(c) for c in cells[1:4])
        assert train_ms > 0 and eval_ms > 0 and train_mb > 0


def test_bad_size_is_an_argparse_error(capsys):
    assert run_main('analysis_tools/benchmark.py', '--sizes',
                    '176by240') == 2
    assert ("size must look like HEIGHTxWIDTH (e.g. 360x480), got "
            "'176by240'" in capsys.readouterr().err)


def test_configs_compare_in_one_run(capsys):
    """A stock decoder's config and a UNet++ config, ratios against the
    first: each row holds its model's parameters and times, and that of
    its prediction to the original size."""
    fpn = str(CONFIGS / 'fpn' /
              'fpn_efficientnet-lite0_1xb4-cpu4800_camvid-180x240.py')
    unetpp = str(CONFIGS / 'unetpp' /
                 'unetpp_efficientnet-lite0_ds_1xb4-cpu4800_camvid-180x240.py')
    assert run_main('analysis_tools/benchmark.py', '--sizes', '32x32',
                    '--batch', '2', '--iters', '1', '--ori-size', '64x48',
                    '--models', fpn, unetpp) == 0
    out = capsys.readouterr().out
    assert 'ratios against ' + Path(fpn).name in out
    assert 'predict: to 64x48, the class of each pixel' in out
    rows = {line.split('|')[1].strip(): line.split('|')[2:-1]
            for line in out.splitlines() if '.py |' in line}
    assert list(rows) == [Path(fpn).name, Path(unetpp).name]
    assert [float(rows[n][0]) for n in rows] == [3.40, 3.63]  # M params
    fpn_row = [c.strip() for c in rows[Path(fpn).name]]
    assert fpn_row[-5:-2] + fpn_row[-1:] == ['1.00x'] * 4
    assert all(float(rows[n][-2]) > 0 for n in rows)  # predict (ms)


def test_unknown_model_is_an_argparse_error(capsys):
    assert run_main('analysis_tools/benchmark.py', '--models',
                    'fpn.py') == 2
    assert "'fpn.py' is neither one of unetpp" in capsys.readouterr().err
