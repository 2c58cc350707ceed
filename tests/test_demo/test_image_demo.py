"""demo/image_demo.py: init_model + inference_model + SegLegendVisualizer,
in accurate or fast mode; bad arguments end in one line."""
import importlib.util
import sys
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmseg.apis import inference_model, init_model

from mmseg_unetpp.visualization import SegLegendVisualizer

DEMO = Path(__file__).resolve().parents[2] / 'demo' / 'image_demo.py'


def demo_main(monkeypatch, *args):
    spec = importlib.util.spec_from_file_location('image_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', ['image_demo.py'] +
                        [str(a) for a in args])
    module.main()


def expected_overlay(project, path, opacity, **cfg_options):
    model = init_model(str(project['config']), str(project['checkpoint']),
                       device='cpu', cfg_options=cfg_options or None)
    result = inference_model(model, str(project['image']))
    visualizer = SegLegendVisualizer(name='expected', alpha=opacity)
    visualizer.dataset_meta = model.dataset_meta
    visualizer.add_datasample(
        'x', mmcv.imread(str(project['image']), channel_order='rgb'),
        result, draw_gt=False, out_file=str(path), with_labels=False)
    return mmcv.imread(str(path))


@pytest.mark.parametrize('args, cfg_options', [
    ([], {}),
    (['--level', 2], {'model.decode_head.mode': 'fast',
                      'model.decode_head.level': 2}),
])
def test_overlay_is_the_models_prediction_with_a_legend(
        deploy_project, monkeypatch, tmp_path, capsys, args, cfg_options):
    out = tmp_path / 'overlay.png'
    demo_main(monkeypatch, deploy_project['image'],
              deploy_project['config'], deploy_project['checkpoint'],
              '--out-file', out, '--opacity', 0.6, *args)
    mode = 'fast, level 2' if args else 'accurate'
    assert capsys.readouterr().out.strip().endswith(f'{out}: {mode}')
    drawn = mmcv.imread(str(out))
    # 40x56 is drawn 9 times larger (shorter side >= 360), legend below.
    assert drawn.shape[1] == 56 * 9 and drawn.shape[0] > 40 * 9
    expected = expected_overlay(deploy_project, tmp_path / 'expected.png',
                                0.6, **cfg_options)
    np.testing.assert_array_equal(drawn, expected)


def test_unreadable_image_is_one_line(deploy_project, monkeypatch,
                                      tmp_path):
    text = tmp_path / 'notes.png'
    text.write_text('not an image')
    with pytest.raises(SystemExit) as error:
        demo_main(monkeypatch, text, deploy_project['config'],
                  deploy_project['checkpoint'])
    assert str(error.value) == f'error: cannot read an image from {text}'


@pytest.mark.parametrize('args, message', [
    (['--level', 7], 'level must be one of the branch levels [1, 2, 3, 4]'),
    (['--mode', 'accurate', '--level', 2], '--level K selects fast mode'),
    (['--opacity', 0], '--opacity must be in (0, 1]'),
])
def test_bad_arguments_are_one_line(deploy_project, monkeypatch, tmp_path,
                                    capsys, args, message):
    with pytest.raises(SystemExit) as error:
        demo_main(monkeypatch, deploy_project['image'],
                  deploy_project['config'], deploy_project['checkpoint'],
                  '--out-file', tmp_path / 'x.png', *args)
    text = str(error.value) if error.value.code != 2 else \
        capsys.readouterr().err.strip().splitlines()[-1]
    assert message in text and '\n' not in text
