"""``tools/train.py`` never gives a silently wrong result: bad data is found
before training, a diverged run stops, checkpoints load strictly and only
when intact. Tiny model, generated data, a few iterations each."""
from pathlib import Path

import pytest
import torch
from broken_data import half_size, raw_camvid_ids, truncate
from tiny_project import REPO, make_data, run_in_process, write_config

from mmseg_unetpp.utils.checkpoint import load_from_local_weights_only


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """Data, width-4 and width-16 configs, and a width-16 run of 4
    iterations (checkpoints at 2 and 4)."""
    root = tmp_path_factory.mktemp('train_tool')
    data = make_data(root / 'data')
    w16 = write_config(root / 'w16.py', data, width=16)
    work = root / 'work_w16'
    assert run_in_process('train', w16, '--work-dir', work) == 0
    return dict(
        root=root,
        data=data,
        w4=write_config(root / 'w4.py', data, width=4),
        w16=w16,
        w32=write_config(root / 'w32.py', data, width=32),
        work=work)


def weights(path: Path) -> dict:
    return load_from_local_weights_only(str(path))['state_dict']


def test_data_check_before_training_names_every_bad_file(tmp_path, tool):
    data = Path(make_data(tmp_path / 'data'))
    truncate(data / 'train' / 'demo_train_0001.png')
    raw_camvid_ids(data / 'trainannot' / 'demo_train_0002.png')
    half_size(data / 'valannot' / 'demo_val_0000.png')
    config = write_config(tmp_path / 'cfg.py', str(data))
    work = tmp_path / 'work'

    result = tool('train', config, '--work-dir', work)

    assert result.code == 1
    assert result.error.startswith('error: data check: 3 problem(s) in 6 '
                                   'train and 3 val samples; first: ')
    assert 'demo_train_0001.png: cannot decode the image' in result.error
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert 'demo_train_0002.png: label ids 12..31 are not classes' in log
    assert 'demo_val_0000.png: label map is 20x28 but' in log
    assert 'Iter(train)' not in log and not list(work.glob('*.pth'))


def test_without_data_check_a_bad_sample_fails_when_drawn(tmp_path, tool):
    data = Path(make_data(tmp_path / 'data'))
    raw_camvid_ids(data / 'trainannot' / 'demo_train_0003.png')
    config = write_config(tmp_path / 'cfg.py', str(data))

    result = tool('train', config, '--work-dir', tmp_path / 'work',
                  '--no-data-check')

    assert result.code == 1
    assert 'data check' not in result.out + result.err
    assert result.error == (
        f'error: {data}/trainannot/demo_train_0003.png: label ids 12..31 are '
        'not classes; expected ids 0..10 (11 classes), or 11, 255 (ignored)')


def test_diverged_training_stops_at_first_non_finite_loss(project, tool):
    work = project['root'] / 'work_lr1e6'
    result = tool('train', project['w4'], '--work-dir', work,
                  '--cfg-options', 'optim_wrapper.optimizer.lr=1e6',
                  'train_cfg.max_iters=20', 'train_cfg.val_interval=20',
                  'default_hooks.checkpoint.interval=20')

    assert result.code == 1
    assert result.error.startswith('error: iteration ')
    assert 'non-finite loss (decode.l1.loss_ce=' in result.error
    assert 1 < int(result.error.split()[2].rstrip(':')) < 20
    assert not list(work.glob('*.pth'))


@pytest.mark.parametrize('checkpoint_interval', [1, 100])
def test_non_finite_weights_are_never_saved_not_even_as_best(
        project, tool, checkpoint_interval):
    """Validation and a best checkpoint every iteration; periodic
    checkpoints every iteration, or never."""
    work = project['root'] / f'work_best_{checkpoint_interval}'
    result = tool('train', project['w4'], '--work-dir', work,
                  '--cfg-options', 'optim_wrapper.optimizer.lr=1e6',
                  'train_cfg.max_iters=20', 'train_cfg.val_interval=1',
                  f'default_hooks.checkpoint.interval={checkpoint_interval}')

    assert result.code == 1
    assert ('weights are not finite' in result.error
            or 'non-finite loss' in result.error)
    saved = list(work.glob('*.pth'))
    assert any(p.name.startswith('best_mIoU') for p in saved)
    for path in saved:
        assert all(
            torch.isfinite(t).all() for t in weights(path).values()
            if t.is_floating_point()), path


def test_resume_and_load_from_are_strict(project, tool):
    w16_ckpt = project['work'] / 'iter_4.pth'
    result = tool('train', project['w32'], '--work-dir',
                  project['root'] / 'work_w32', '--resume', w16_ckpt)
    assert result.code == 1
    assert result.error.startswith(f'error: {w16_ckpt} does not fit the '
                                   'model of this config: ')
    assert ('backbone.encoder.x_0_0.convs.0.conv.weight: (16, 3, 3, 3) in the '
            'checkpoint, (32, 3, 3, 3) in the model') in result.error
    assert 'size mismatch' not in result.out + result.err  # MMEngine's list

    result = tool('train', project['w32'], '--work-dir',
                  project['root'] / 'work_w32', '--cfg-options',
                  f'load_from={w16_ckpt}')
    assert result.code == 1 and 'does not fit the model' in result.error


def test_fine_tuning_through_load_from_non_strict(project, tool, tmp_path):
    # Another model: the same network with 5 classes.
    checkpoint = load_from_local_weights_only(
        str(project['work'] / 'iter_4.pth'))
    heads = [k for k in checkpoint['state_dict'] if 'conv_seg' in k]
    for key in heads:
        checkpoint['state_dict'][key] = checkpoint['state_dict'][key][:5]
    other = tmp_path / 'five_classes.pth'
    torch.save(checkpoint, other)
    config = tmp_path / 'finetune.py'
    config.write_text(
        f"_base_ = [{str(project['w16'])!r}]\n"
        f"load_from = {str(other)!r}\n"
        "default_hooks = dict(checkpoint_match=dict(strict=False))\n")
    work = tmp_path / 'work'

    result = tool('train', config, '--work-dir', work, '--cfg-options',
                  'train_cfg.max_iters=2')

    assert result.code == 0, result.err
    # BN's num_batches_tracked counters are not compared (nor counted).
    n = len([k for k in weights(project['work'] / 'iter_4.pth')
             if not k.endswith('num_batches_tracked')])
    assert (f'non-strict load of {other}: {n - len(heads)} of {n} tensors '
            f'fit and are loaded; not loaded: {len(heads)} tensor(s) of '
            'another shape') in result.out
    tuned = weights(work / 'iter_2.pth')
    assert tuned['decode_head.branches.0.conv_seg.weight'].shape[0] == 11


def test_resume_refuses_a_truncated_checkpoint_naming_an_intact_one(
        project, tool, tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    for name in ('iter_2.pth', 'iter_4.pth'):
        (work / name).write_bytes((project['work'] / name).read_bytes())
    truncate(work / 'iter_4.pth')
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))

    result = tool('train', project['w16'], '--work-dir', work, '--resume',
                  work / 'iter_4.pth')
    assert result.code == 1
    assert result.error == (
        f'error: {work / "iter_4.pth"}: truncated or corrupt (no zip '
        f'directory at its end); the latest intact checkpoint in {work} is '
        f'{work / "iter_2.pth"}: resume with --resume {work / "iter_2.pth"}')

    # --resume without a file falls back to it, with a warning.
    result = tool('train', project['w16'], '--work-dir', work, '--resume')
    assert result.code == 0, result.err
    assert (f'{work / "iter_4.pth"}, named in {work / "last_checkpoint"}, '
            'is truncated or corrupt') in result.out
    assert f'resuming from {work / "iter_2.pth"}' in result.out
    assert 'Advance dataloader 2 steps' in result.out
    assert checkpoint_intact(work / 'iter_4.pth')


def checkpoint_intact(path: Path) -> bool:
    from mmseg_unetpp.utils.checkpoint import checkpoint_problem
    return checkpoint_problem(str(path)) is None


@pytest.mark.parametrize('args, message', [
    (['--cfg-options', 'model.backbone.num_stages=9'],
     'num_stages must be in 2..7, got 9'),
    (['--cfg-options', 'model.backbone.type=NoSuchNet'],
     'NoSuchNet is not in the mmseg::model registry'),
    (['--cfg-options', 'train_dataloader.dataset.data_root=/no/camvid'],
     'CamVid data_root not found: /no/camvid'),
    (['--launcher', 'nope'], "argument --launcher: invalid choice: 'nope'"),
    (['--cfg-options', 'lr'], 'argument --cfg-options: expected KEY=VALUE, '
     "got 'lr'"),
    (['--resume', 'no_such.pth'], 'checkpoint to resume from not found: '
     'no_such.pth'),
])
def test_user_errors_are_one_line(project, tool, args, message):
    result = tool('train', project['w4'], '--work-dir',
                  project['root'] / 'work_errors', *args)
    assert result.code in (1, 2)
    assert 'Traceback' not in result.err
    assert message in result.error
    assert [line for line in result.err.splitlines()
            if 'error:' in line] == [result.error]


def test_config_syntax_error_names_the_file(tmp_path, tool):
    config = tmp_path / 'broken.py'
    config.write_text('model = dict(\n')
    result = tool('train', config)
    assert result.code == 1 and 'Traceback' not in result.err
    assert result.error.startswith(f'error: config {config}: ')


def test_schedule_that_begins_after_training_ends_is_one_line(tool, tmp_path):
    config = tmp_path / 'short.py'
    config.write_text(
        "_base_ = ['" + str(REPO / 'configs' / 'unetpp' /
                           'unetpp-l4-w16_ds_1xb4-450_camvid-demo-80x112.py')
        + "']\n")
    result = tool('train', config, '--cfg-options', 'train_cfg.max_iters=10')
    assert result.code == 1
    assert result.error == (
        f'error: config {config}: train_cfg.max_iters=10 ends before '
        'param_scheduler[1] (PolyLR) begins at iteration 50; train at least '
        '51 iterations, or set param_scheduler=[]')


@pytest.mark.parametrize('options, error', [
    # Fewer classes in the model than in the data: before the first
    # iteration, not an IndexError from inside the loss.
    (['model.decode_head.num_classes=5'],
     'error: model.decode_head.num_classes=5 but the training data has 11 '
     'classes (Sky, Building, Pole, Road, Sidewalk, Tree, SignSymbol, Fence, '
     'Car, Pedestrian, Bicyclist); set model.decode_head.num_classes=11, or '
     'give the dataset metainfo=dict(classes=...) with the 5 classes to '
     'learn'),
    # A class the dataset does not have.
    (["train_dataloader.dataset.metainfo.classes=('Sky','Roadd')"],
     "error: metainfo classes ('Roadd',) are not CamVid "
     'classes; CamVid has Sky, Building, Pole, Road, Sidewalk, Tree, '
     "SignSymbol, Fence, Car, Pedestrian, Bicyclist, and classes=("
     "'background', NAME) makes NAME against the rest a binary task"),
    # A binary head asked to learn more than two classes.
    (['model.decode_head.out_channels=1'],
     'error: config {config}: decode_head.out_channels=1 is a binary head '
     '(one sigmoid channel) and needs num_classes=2, got num_classes=11; for '
     '11 classes drop out_channels'),
])
def test_config_that_does_not_fit_the_data_is_one_line(project, tool,
                                                       options, error):
    result = tool('train', project['w4'], '--work-dir',
                  project['root'] / 'work_bad', '--cfg-options', *options)
    assert result.code == 1
    assert result.error == error.format(config=project['w4'])
    assert 'Traceback' not in result.err


def test_binary_config_refuses_labels_other_than_0_1(tmp_path, tool):
    """A binary task made of the demo data's label files: class ids above
    1 (the raw files, not the one-vs-rest map) name the file."""
    data = Path(make_data(tmp_path / 'data'))
    base = write_config(tmp_path / 'base.py', str(data))
    config = tmp_path / 'binary.py'
    config.write_text(f"_base_ = [{str(base)!r}]" + '''
train_dataloader = dict(dataset=dict(
    _delete_=True, type='BaseSegDataset', data_root={data!r},
    metainfo=dict(classes=('background', 'car')), img_suffix='.png',
    seg_map_suffix='.png',
    data_prefix=dict(img_path='train', seg_map_path='trainannot'),
    pipeline={{_base_.train_pipeline}}))
model = dict(decode_head=dict(num_classes=2, out_channels=1))
'''.replace('{data!r}', repr(str(data))))
    result = tool('train', config, '--work-dir', tmp_path / 'work')
    assert result.code == 1
    assert result.error.startswith('error: data check: ')
    assert 'trainannot/demo_train_0000.png: label ids ' in result.error
    assert 'expected ids 0..1 (2 classes), or 255 (ignored)' in result.error


def test_bf16_trains_with_the_bf16_wrapper(project, tool):
    """``--bf16`` trains under ``Bf16OptimWrapper``; a CPU without AMX
    says so in one line and trains in float32."""
    from mmseg_unetpp.engine.optimizers.bf16_optim_wrapper import (
        FAST_BF16_CPU_FLAGS,
        cpu_bf16_flags,
    )
    work = project['root'] / 'work_bf16'
    result = tool('train', project['w4'], '--work-dir', work, '--bf16')

    assert result.code == 0, result.error
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert "type='Bf16OptimWrapper'" in log
    unsupported = 'Bf16OptimWrapper: this CPU has '
    assert (unsupported in log) == (
        cpu_bf16_flags(flags=FAST_BF16_CPU_FLAGS) is None)
    assert tool('train', project['w4'], '--bf16', '--amp').code == 2


CHASE = ('configs/unetpp/'
         'unetpp-l4-w32_ds-ce-dice_4xb4-40k_chase-db1-128x128.py')


def mmseg_converter(name: str) -> str:
    import os.path as osp

    import mmseg
    return osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                    'dataset_converters', name)


def test_train_tool_refuses_release_files_in_one_line(tmp_path, tool):
    """CHASE_DB1 with its validation images missing: the folder and the
    converter, before any dataset is built."""
    import shutil

    from helpers import make_medical_data
    from mmengine.config import Config

    from mmseg_unetpp.utils.launch import data_root_options
    root = Path(make_medical_data(tmp_path / 'chase', 'ChaseDB1Dataset'))
    shutil.rmtree(root / 'images' / 'validation')
    options = [f'{k}={v}' for k, v in data_root_options(
        Config.fromfile(str(REPO / CHASE)), str(root)).items()]
    result = tool('train', REPO / CHASE, '--work-dir', tmp_path / 'work',
                  '--cfg-options', *options)
    assert result.code == 1 and 'Traceback' not in result.err
    assert result.error == (
        f'error: {root}/images/validation: image folder of '
        'val_dataloader.dataset (ChaseDB1Dataset) not found; convert the '
        "CHASE_DB1 release with MMSeg's converter: python "
        f"{mmseg_converter('chase_db1.py')} CHASEDB1.zip -o {root}")
