"""tools/analysis_tools/level_report.py --out: levels.json (every level and
accurate mode: mIoU, parameters, GFLOPs, latency, pruned checkpoint size),
levels.png, and the recommendation printed last."""
import json
import os
import sys

import mmcv
import pytest
import torch
from helpers import load_tool, one_thread

from mmseg_unetpp.apis import checkpoint_bytes, weights_checkpoint
from mmseg_unetpp.apis.level_report import LevelRow, recommend
from mmseg_unetpp.utils.checkpoint import read_checkpoint


def main(monkeypatch, tool, *args):
    with one_thread():  # tiny models: threads would only compete
        load_tool(tool).main([str(a) for a in args])


@pytest.fixture(scope='module')
def report(deploy_project, tmp_path_factory):
    out = tmp_path_factory.mktemp('report')
    with pytest.MonkeyPatch.context() as monkeypatch:
        capture = out / 'stdout.txt'
        with open(capture, 'w') as f:
            monkeypatch.setattr(sys, 'stdout', f)
            main(monkeypatch, 'analysis_tools/level_report.py',
                 deploy_project['config'], deploy_project['checkpoint'],
                 '--size', 40, 56, '--iters', 1, '--out', out,
                 '--tolerance', 2.5, '--work-dir', out / 'work')
    return dict(out=out, stdout=capture.read_text(),
                json=json.loads((out / 'levels.json').read_text()))


def test_json_has_every_level_and_accurate_mode(report):
    rows = {row['name']: row for row in report['json']['rows']}
    assert list(rows) == ['l1', 'l2', 'l3', 'l4', 'accurate']
    for row in rows.values():
        assert 0 <= row['mIoU'] <= 100
        assert row['latency_ms'] > 0 and row['gflops'] > 0
    params = [rows[f'l{k}']['params'] for k in (1, 2, 3, 4)]
    assert params == sorted(params) and len(set(params)) == 4
    assert report['json']['input_shape'] == [1, 3, 40, 56]
    # The level is picked on the first quarter of the 3 test frames and
    # scored on the others.
    assert report['json']['select_frames'] == [0]
    assert report['json']['scored_frames'] == [1, 2]
    assert all(0 <= row['select_mIoU'] <= 100 for row in rows.values())
    assert 'level picked on test frames 0-0, mIoU of frames 1-2' in (
        report['stdout'])
    assert report['json']['device'] == 'cpu'


def test_checkpoint_sizes_are_those_prune_writes(report, deploy_project,
                                                 monkeypatch, tmp_path):
    rows = {row['name']: row for row in report['json']['rows']}
    main(monkeypatch, 'prune.py', deploy_project['config'],
         deploy_project['checkpoint'], '--level', 2, '--out', tmp_path)
    written = os.path.getsize(tmp_path / 'unetpp_tiny_pruned-l2.pth')
    assert rows['l2']['checkpoint_bytes'] == written
    state_dict, meta = read_checkpoint(str(deploy_project['checkpoint']))
    assert rows['accurate']['checkpoint_bytes'] == checkpoint_bytes(
        weights_checkpoint(state_dict, meta))
    sizes = [rows[f'l{k}']['checkpoint_bytes'] for k in (1, 2, 3, 4)]
    assert sizes == sorted(sizes) < [rows['accurate']['checkpoint_bytes']]


def test_recommendation_is_printed_last_and_saved(report):
    rows = [
        LevelRow(r['name'], r['level'], r['params'], r['gflops'],
                 r['latency_ms'], r['checkpoint_bytes'], r['mIoU'],
                 select_miou=r['select_mIoU'])
        for r in report['json']['rows']
    ]
    pick = recommend(rows, 2.5)
    assert report['json']['recommendation'] == dict(
        prediction=pick.name, level=pick.level, tolerance=2.5)
    last = report['stdout'].strip().splitlines()[-1]
    assert last.startswith(f'recommended: {pick.name} (picking frames: '
                           f'mIoU {pick.select_miou:.2f}, best ')


def test_plot_is_written(report):
    image = mmcv.imread(str(report['out'] / 'levels.png'))
    assert image.shape[1] > 1000 and image.shape[0] > 400


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs no CUDA')
def test_cuda_without_a_gpu_is_one_line(deploy_project, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        main(monkeypatch, 'analysis_tools/level_report.py',
             deploy_project['config'], '--device', 'cuda')
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        '--device cuda: no CUDA device is available (see --help)')


def test_in_model_costs_match_the_exports_for_unetplusplus(
        report, deploy_project, monkeypatch, tmp_path):
    # UNetPlusPlus stops its encoder at row k in fast mode, so the whole
    # model at level k computes what the pruned export computes; it still
    # holds (and saves) every level's weights.
    main(monkeypatch, 'analysis_tools/level_report.py',
         deploy_project['config'], '--size', 40, 56, '--iters', 1,
         '--out', tmp_path, '--in-model')
    in_model = json.loads((tmp_path / 'levels.json').read_text())
    assert in_model['in_model'] is True
    exported = {row['name']: row for row in report['json']['rows']}
    for row in in_model['rows']:
        assert row['gflops'] == pytest.approx(exported[row['name']]['gflops'])
        assert row['params'] == exported['accurate']['params']
    assert len({row['checkpoint_bytes'] for row in in_model['rows']}) == 1


def test_in_model_costs_count_the_whole_encoder():
    """A ResNet computes every stage whatever level the neck is pruned to:
    the count in the whole model includes the stages the pruned export
    drops (a traced count would drop them as unused)."""
    from mmengine.analysis import FlopAnalyzer
    from mmengine.config import ConfigDict

    from mmseg_unetpp.apis import build_segmentor, prune
    tool = load_tool('analysis_tools/level_report.py')
    cfg = ConfigDict(
        type='DeepSupervisionEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[0.] * 3, std=[1.] * 3),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                      base_channels=8),
        neck=dict(type='UNetPlusPlusNeck', in_channels=[8, 16, 32, 64],
                  channels=8),
        decode_head=dict(type='DeepSupervisionHead', in_channels=8,
                         channels=8, in_index=[0, 1, 2], num_classes=5),
        test_cfg=dict(mode='whole'))
    model = build_segmentor(cfg).eval()
    x = torch.randn(1, 3, 64, 64)
    pruned = prune(cfg, model.state_dict(), 1)
    exported = build_segmentor(pruned.model_cfg)
    exported.load_state_dict(pruned.state_dict)
    model.fast_level = 1
    with one_thread():
        in_model = tool.costs(model, x, 1)['gflops']
        encoder = FlopAnalyzer(model.backbone, (x, )).total() / 1e9
        assert in_model > encoder
        assert in_model > tool.costs(exported, x, 1)['gflops']


@pytest.mark.parametrize('share', ['1', '-0.5'])
def test_bad_select_split_is_refused_in_one_line(share, capsys):
    with pytest.raises(SystemExit) as error:
        load_tool('analysis_tools/level_report.py').parse_args(
            ['config.py', '--select-split', share])
    assert error.value.code == 2
    assert capsys.readouterr().err.endswith(
        f'error: --select-split must be in [0, 1), got {float(share):g} '
        '(see --help)\n')
