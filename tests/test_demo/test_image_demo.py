"""demo/image_demo.py: init_model + inference_model + SegLegendVisualizer,
in accurate or fast mode; bad arguments end in one line."""
import mmcv
import numpy as np
import pytest
from helpers import run_main
from mmseg.apis import inference_model, init_model

from mmseg_unetpp.visualization import SegLegendVisualizer


def demo_main(*args) -> int:
    return run_main('../demo/image_demo.py', *args)


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
    (['--fast-level', 2], {'model.decode_head.fast_level': 2}),
])
def test_overlay_is_the_models_prediction_with_a_legend(
        deploy_project, tmp_path, capsys, args, cfg_options):
    out = tmp_path / 'overlay.png'
    assert demo_main(deploy_project['image'], deploy_project['config'],
                     deploy_project['checkpoint'], '--out-file', out,
                     '--opacity', 0.6, *args) == 0
    mode = 'fast, level 2' if args else 'accurate'
    assert capsys.readouterr().out.strip().endswith(f'{out}: {mode}')
    drawn = mmcv.imread(str(out))
    # 40x56 is drawn 9 times larger (shorter side >= 360), legend below.
    assert drawn.shape[1] == 56 * 9 and drawn.shape[0] > 40 * 9
    expected = expected_overlay(deploy_project, tmp_path / 'expected.png',
                                0.6, **cfg_options)
    np.testing.assert_array_equal(drawn, expected)


@pytest.mark.parametrize('image, message', [
    ('missing.png', 'error: image not found: {path}'),
    ('notes.png', 'error: {path}: cannot decode the image (truncated, or '
     'not an image file)'),
])
def test_missing_or_unreadable_image_is_one_line(deploy_project, tmp_path,
                                                 capsys, image, message):
    path = tmp_path / image
    if image == 'notes.png':
        path.write_text('not an image')
    assert demo_main(path, deploy_project['config'],
                     deploy_project['checkpoint']) == 1
    assert capsys.readouterr().err == message.format(path=path) + '\n'


@pytest.mark.parametrize('args, message', [
    (['--fast-level', 7], 'fast_level must be None (accurate mode) or one '
     'of the branch levels [1, 2, 3, 4], got 7'),
    (['--fast-level', 'l2'], "--fast-level takes a level k or none "
     "(accurate mode), got 'l2'"),
    (['--level', 2], 'error: --level was replaced by --fast-level'),
    (['--mode', 'fast'], 'error: --mode was replaced by --fast-level'),
    (['--opacity', 0], '--opacity must be in (0, 1]'),
    (['--device', 'cuda:3'], 'device cuda:3'),
])
def test_bad_arguments_are_one_line(deploy_project, tmp_path, capsys, args,
                                    message):
    if args[0] == '--device':
        pytest.importorskip('torch')
        import torch
        if torch.cuda.is_available():
            pytest.skip('needs a machine without CUDA')
    code = demo_main(deploy_project['image'], deploy_project['config'],
                     deploy_project['checkpoint'], '--out-file',
                     tmp_path / 'x.png', *args)
    err = capsys.readouterr().err
    assert code in (1, 2) and message in err and err.count('\n') == 1
