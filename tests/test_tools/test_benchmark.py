"""tools/analysis_tools/benchmark.py runs each model in its own process and
reports time, peak memory and the ratios to the reference."""
from helpers import run_main


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
