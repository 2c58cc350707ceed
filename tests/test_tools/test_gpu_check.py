"""tools/gpu_check.py: the dry-run runs every step of the GPU check
(tools/gpu_check_steps.py) on the CPU (tools/train.py, tools/test.py,
inference_model, the step benchmark) and writes one table as JSON whose
ratios are those of its measured numbers; the GPU run trains the flagship
config as it is on the carried frames, and refuses a missing or incomplete
carried folder (prepare a folder that is not CamVid) in one line."""
import glob
import json
from pathlib import Path

import pytest
from helpers import load_tool, one_thread

from mmseg_unetpp.datasets import make_camvid_demo
from mmseg_unetpp.utils.launch import load_config

FLAGSHIP = str(Path(__file__).resolve().parents[2] / 'configs' /
               'unetpp_camvid.py')
check = load_tool('gpu_check_steps.py')

BENCHMARKS = [
    'UNet++ fp32', 'UNet++ AMP', 'UNet++ channels_last',
    'UNet++ AMP channels_last', "MMSeg's U-Net fp32", "MMSeg's U-Net AMP",
    'UNet++ Lite0 fp32', 'UNet++ Lite0 AMP', "MMSeg's FPN Lite0 fp32",
    "MMSeg's FPN Lite0 AMP"
]


def gpu_check_tool():
    """``tools/gpu_check.py`` as a module."""
    return load_tool('gpu_check.py')


@pytest.fixture(scope='module')
def dry_run(tmp_path_factory):
    """One dry-run: its exit status, report, table and folders."""
    root = tmp_path_factory.mktemp('gpu_check')
    out, work = root / 'out', root / 'work'
    with one_thread():  # tiny sizes: threads would only compete
        code = gpu_check_tool().main(
            ['run', str(out), '--dry-run', '--work-dir', str(work)])
    report = json.loads((out / 'gpu_check.json').read_text())
    rows = {(r['step'], r['name']): r for r in report['rows']}
    return dict(code=code, report=report, rows=rows, out=out, work=work)


def test_dry_run_reports_every_step_on_the_cpu(dry_run):
    assert dry_run['code'] == 0
    report, rows = dry_run['report'], dry_run['rows']
    assert report['dry_run'] and report['device'].startswith('cpu')
    assert list(rows) == [
        ('train', 'unetpp_camvid.py fp32'),
        ('train', 'unetpp_camvid.py --amp'),
        ('test', 'accurate mode and every level'),
        ('inference', 'inference_model, one image'),
    ] + [('benchmark', name) for name in BENCHMARKS]
    train = rows['train', 'unetpp_camvid.py fp32']
    assert train['status'] == 'ok'
    assert train['details']['iters'] == 2 and train['details']['batch'] == 2
    assert train['peak_mb'] > 100  # the training process's resident set
    test = rows['test', 'accurate mode and every level']
    assert test['status'] == 'ok'
    assert {'mIoU', 'l1.mIoU', 'l2.mIoU', 'l3.mIoU', 'l4.mIoU'} <= set(
        test['details']['metrics'])
    inference = rows['inference', 'inference_model, one image']
    assert inference['status'] == 'ok'
    assert inference['details']['shape'] == [40, 56]  # the frame's size
    # No GPU: every AMP row is skipped with MMEngine's reason and has no
    # number; every other row ran.
    for (step, name), row in rows.items():
        if 'AMP' in name or '--amp' in name:
            assert row['status'] == 'skipped'
            assert "MMEngine's AmpOptimWrapper" in row['note']
            assert row['img_per_s'] is None and row['ratio'] is None
        else:
            assert row['status'] == 'ok', row
            if step in ('train', 'benchmark'):
                assert row['img_per_s'] > 0
    # The table printed and written: one line per row.
    table = (dry_run['out'] / 'gpu_check.md').read_text().splitlines()
    assert len(table) == 2 + len(rows)
    assert (dry_run['out'] / 'train_fp32.log').is_file()


def test_numbers_are_those_measured(dry_run):
    rows = dry_run['report']['rows']
    # Training img/s is the batch over the mean time of the training
    # iterations after the warm-up, as MMEngine logged them (not the
    # validation after the last one).
    (scalars, ) = glob.glob(
        str(dry_run['work'] / 'train_fp32' / '*' / 'vis_data' /
            'scalars.json'))
    records = [json.loads(line) for line in open(scalars)]
    times = [r['time'] for r in records if 'loss' in r and r['step'] > 1]
    assert len(times) == 1
    assert rows[0]['img_per_s'] == pytest.approx(2 / (sum(times) /
                                                       len(times)))
    # A ratio is the row's img/s over that of its step's first row.
    for step in ('train', 'benchmark'):
        measured = [r for r in rows if r['step'] == step]
        reference = measured[0]['img_per_s']
        assert measured[0]['ratio'] == pytest.approx(1.0)
        for row in measured[1:]:
            if row['img_per_s'] is not None:
                assert row['ratio'] == pytest.approx(row['img_per_s'] /
                                                     reference)


def test_missing_carried_folder_is_one_line(tmp_path, capfd):
    code = gpu_check_tool().main(
        ['run', str(tmp_path / 'out'), '--carry', str(tmp_path / 'none')])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith(
        f"error: carried folder not found: {tmp_path / 'none'}; make it "
        'with `python tools/gpu_check.py prepare CAMVID_ROOT`')


@pytest.mark.parametrize('damage', ['missing', 'truncated', 'no manifest'])
def test_incomplete_carried_folder_is_one_line(tmp_path, capfd, damage):
    carry = tmp_path / 'carry'
    wheel = carry / 'wheels' / 'mmengine-0.10.7-py3-none-any.whl'
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b'x' * 10)
    if damage != 'no manifest':
        (carry / 'manifest.json').write_text(json.dumps(dict(files={
            'wheels/mmengine-0.10.7-py3-none-any.whl': 10,
            'sdist/mmcv-2.1.0.tar.gz': 5})))
    if damage == 'truncated':
        (carry / 'sdist').mkdir()
        (carry / 'sdist' / 'mmcv-2.1.0.tar.gz').write_bytes(b'xy')
    code = gpu_check_tool().main(
        ['run', str(tmp_path / 'out'), '--carry', str(carry)])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    expected = {
        'missing': 'error: carried file missing: '
        f"{carry / 'sdist' / 'mmcv-2.1.0.tar.gz'}",
        'truncated': 'error: carried file truncated: '
        f"{carry / 'sdist' / 'mmcv-2.1.0.tar.gz'} has 2 bytes, 5 expected",
        'no manifest': f"error: {carry / 'manifest.json'} not found",
    }[damage]
    assert err[0].startswith(expected)


def test_prepare_refuses_a_folder_without_camvid_in_one_line(
        tmp_path, capfd):
    for folder in ('train', 'trainannot'):
        (tmp_path / 'camvid' / folder).mkdir(parents=True)
    code = gpu_check_tool().main(['prepare', str(tmp_path / 'camvid'),
                                  '--carry', str(tmp_path / 'carry')])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [f"error: {tmp_path / 'camvid'} has no val/ folder: give "
                   'CamVid in the SegNet layout (train/, trainannot/, val/, '
                   'valannot/)']


def test_frames_are_spread_over_the_split_and_the_size_is_capped(tmp_path):
    tool = gpu_check_tool()
    source = make_camvid_demo(str(tmp_path / 'camvid'), num_train=6,
                              num_val=3, size=(40, 56))
    dest = tmp_path / 'carry' / 'camvid'
    tool.collect_frames(source, str(dest), dict(train=3, val=1))
    assert (dest / 'train.txt').read_text().split() == [
        'demo_train_0000', 'demo_train_0002', 'demo_train_0004']
    for split, count in (('train', 3), ('val', 1), ('trainannot', 3),
                         ('valannot', 1)):
        assert len(list((dest / split).glob('*.png'))) == count
    with pytest.raises(tool.CarryError, match='frames must be 1..3'):
        tool.collect_frames(source, str(dest), dict(train=1, val=4))
    with pytest.raises(tool.CarryError, match='over the 0.001 MiB a carry '
                       'may hold: carry fewer frames'):
        tool.check_size(str(dest), limit_mib=0.001)


def test_gpu_run_trains_the_config_as_it_is_on_the_carried_frames():
    cfg = load_config(FLAGSHIP)
    options = check.data_options(cfg, '/carried/camvid', check.GPU)
    merged = load_config(FLAGSHIP, options)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert merged[loader].dataset.data_root == '/carried/camvid'
        # Batch, workers and pipelines (352x480 crops) as the config says.
        assert merged[loader].batch_size == cfg[loader].batch_size
        assert merged[loader].num_workers == cfg[loader].num_workers
        assert merged[loader].dataset.pipeline == cfg[loader].dataset.pipeline
    assert merged.model.data_preprocessor.size == (352, 480)
    # The carried val split is the test set too.
    assert merged.test_dataloader.dataset.ann_file == 'val.txt'
    assert merged.test_dataloader.dataset.data_prefix == dict(
        img_path='val', seg_map_path='valannot')


def test_dry_run_shrinks_every_crop_and_resize():
    cfg = load_config(FLAGSHIP)
    merged = load_config(FLAGSHIP, check.data_options(cfg, '/d',
                                                      check.DRY_RUN))
    assert merged.train_dataloader.batch_size == 2
    assert merged.model.data_preprocessor.size == (32, 48)
    pipelines = [merged[f'{loader}_dataloader'].dataset.pipeline
                 for loader in ('train', 'val', 'test')]
    for transform in sum(pipelines, merged.test_pipeline):
        if transform.type == 'RandomCrop':
            assert transform.crop_size == (32, 48)
        if 'scale' in transform:
            assert transform.scale == (56, 40)  # (w, h) of 40x56 frames
