import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils import (
    UnsafeCheckpointError,
    history_buffer_getattr,
    load_from_local_weights_only,
)


class Call:
    """Pickles as ``func(*args)``; callable so that it can itself be the
    ``func`` of another ``Call`` (a chain)."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __call__(self, *args):
        raise AssertionError('only pickled, never called')

    def __reduce__(self):
        return self.func, self.args


def mmengine_like_checkpoint() -> dict:
    """What MMEngine's Runner.save_checkpoint writes, in small."""
    hub = MessageHub.get_instance('test_checkpoint')
    for k in range(3):
        hub.update_scalar('train/loss', 1.0 / (k + 1))
        hub.update_scalar('train/lr', np.float64(0.01))
    hub.update_info('iter', 3)
    hub.update_info('max_iters', np.int64(10))
    model = torch.nn.Conv2d(3, 4, 3)
    optim = torch.optim.AdamW(model.parameters())
    model(torch.randn(1, 3, 8, 8)).sum().backward()
    optim.step()
    return dict(
        meta=dict(
            epoch=0,
            iter=3,
            seed=np.int64(1234),
            dataset_meta=dict(
                classes=('a', 'b'), palette=[[0, 0, 0], [255, 0, 0]]),
            mmengine_version='0.10.7',
            cfg='model = dict()'),
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=optim.state_dict(),
        param_schedulers=[dict(last_step=3, base_values=[0.01])])


@pytest.fixture
def checkpoint_file(tmp_path):
    path = str(tmp_path / 'iter_3.pth')
    torch.save(mmengine_like_checkpoint(), path)
    return path


def test_loads_mmengine_checkpoint_with_weights_only(checkpoint_file):
    ckpt = load_from_local_weights_only(checkpoint_file)
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert buffer.statistics('current') == pytest.approx(1 / 3)
    assert ckpt['meta']['dataset_meta']['classes'] == ('a', 'b')


def test_stock_torch_load_and_mmengine_loader_work(checkpoint_file):
    # What MMSeg's own tools do once mmseg_unetpp is imported.
    ckpt = torch.load(checkpoint_file, weights_only=True)
    assert ckpt['meta']['iter'] == 3
    ckpt = CheckpointLoader.load_checkpoint(checkpoint_file)
    assert isinstance(ckpt['message_hub']['log_scalars']['train/lr'],
                      HistoryBuffer)


def test_refuses_checkpoint_calling_os_system(tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': Call(os.system, f'touch {marker}')}, path)
    with pytest.raises(UnsafeCheckpointError) as error:
        load_from_local_weights_only(path)
    message = str(error.value)
    assert path in message and 'system' in message
    assert '\n' not in message
    assert not marker.exists()
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_refuses_getattr_chain_through_function_globals(tmp_path):
    # getattr(HistoryBuffer.mean, '__globals__') -> .get('np') -> ... ->
    # os.system('touch ...'): the chain a plainly allow-listed getattr
    # would start to walk. HistoryBuffer.mean itself pickles through
    # builtins.getattr, like a real checkpoint.
    marker = tmp_path / 'pwned'
    module_globals = Call(getattr, HistoryBuffer.mean, '__globals__')
    dict_get = Call(getattr, module_globals, 'get')
    numpy_module = Call(dict_get, 'np')
    os_module = Call(getattr, numpy_module, 'os')
    system = Call(getattr, os_module, 'system')
    path = str(tmp_path / 'chain.pth')
    torch.save({'meta': Call(system, f'touch {marker}')}, path)
    with pytest.raises(UnsafeCheckpointError, match='__globals__'):
        load_from_local_weights_only(path)
    with pytest.raises(Exception, match='__globals__'):
        torch.load(path, weights_only=True)
    assert not marker.exists()


@pytest.mark.parametrize('obj, name', [
    (HistoryBuffer, '__init__'),
    (HistoryBuffer, '_set_default_statistics'),
    (HistoryBuffer.mean, '__globals__'),
    (os, 'system'),
    (HistoryBuffer, 'update'),
])
def test_getattr_stand_in_allows_only_statistics(obj, name):
    with pytest.raises(UnsafeCheckpointError, match=repr(name)):
        history_buffer_getattr(obj, name)


def test_getattr_stand_in_resolves_statistics():
    for name in ('min', 'max', 'current', 'mean'):
        assert history_buffer_getattr(HistoryBuffer, name) is getattr(
            HistoryBuffer, name)


def test_missing_checkpoint_names_the_path(tmp_path):
    path = str(tmp_path / 'nothing.pth')
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        CheckpointLoader.load_checkpoint(path)


# ------------------------------------------- intact checkpoints and resume


def save(path, value=1.0):
    torch.save({'state_dict': {'w': torch.full((64, 64), value)}}, path)
    return str(path)


def cut(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) * 3 // 4])


def test_checkpoint_problem_tells_truncated_from_intact(tmp_path):
    from mmseg_unetpp.utils import CorruptCheckpointError, checkpoint_problem
    good = save(tmp_path / 'iter_2.pth')
    assert checkpoint_problem(good) is None
    cut(tmp_path / 'iter_2.pth')
    assert checkpoint_problem(good) == ('truncated or corrupt (no zip '
                                        'directory at its end)')
    with pytest.raises(CorruptCheckpointError, match='iter_2.pth: truncated'):
        load_from_local_weights_only(good)
    (tmp_path / 'empty.pth').write_bytes(b'')
    assert checkpoint_problem(str(tmp_path / 'empty.pth')) == 'empty (0 bytes)'
    (tmp_path / 'notes.pth').write_text('not a checkpoint')
    assert checkpoint_problem(str(
        tmp_path / 'notes.pth')) == 'not a PyTorch checkpoint'
    with pytest.raises(CorruptCheckpointError, match='notes.pth: not a'):
        load_from_local_weights_only(str(tmp_path / 'notes.pth'))


def test_checkpoint_problem_finds_a_flipped_byte(tmp_path):
    from mmseg_unetpp.utils import checkpoint_problem
    path = tmp_path / 'iter_2.pth'
    save(path)
    data = bytearray(path.read_bytes())
    middle = data.index(b'\x00\x00\x80?')  # inside the tensor's 1.0s
    data[middle + 3] = 0x40
    path.write_bytes(bytes(data))
    assert checkpoint_problem(str(path)).startswith('corrupt (CRC error')


def test_resolve_resume(tmp_path):
    from mmseg_unetpp.utils import CorruptCheckpointError, resolve_resume
    assert resolve_resume(str(tmp_path)) == (None, None)  # from scratch
    for step in (2, 4, 6):
        save(tmp_path / f'iter_{step}.pth', step)
    save(tmp_path / 'best_mIoU_iter_6.pth')
    last = tmp_path / 'last_checkpoint'
    last.write_text(str(tmp_path / 'iter_6.pth'))
    assert resolve_resume(str(tmp_path)) == (str(tmp_path / 'iter_6.pth'),
                                             None)
    # Written relative to another directory: found in the work dir.
    last.write_text('elsewhere/iter_6.pth')
    assert resolve_resume(str(tmp_path))[0] == str(tmp_path / 'iter_6.pth')
    cut(tmp_path / 'iter_6.pth')
    last.write_text(str(tmp_path / 'iter_6.pth'))
    path, warning = resolve_resume(str(tmp_path))
    assert path == str(tmp_path / 'iter_4.pth')
    assert warning.startswith(f'{tmp_path / "iter_6.pth"}, named in {last}, '
                              'is truncated or corrupt')
    last.write_text('')  # killed while writing last_checkpoint
    assert resolve_resume(str(tmp_path)) == (
        str(tmp_path / 'iter_4.pth'), f'{last} is empty; resuming from '
        f'{tmp_path / "iter_4.pth"}, the latest intact checkpoint in '
        f'{tmp_path}')
    with pytest.raises(CorruptCheckpointError) as error:
        resolve_resume(str(tmp_path), str(tmp_path / 'iter_6.pth'))
    assert str(error.value).endswith(
        f'resume with --resume {tmp_path / "iter_4.pth"}')
    for step in (2, 4):
        cut(tmp_path / f'iter_{step}.pth')
    last.write_text(str(tmp_path / 'iter_6.pth'))
    with pytest.raises(CorruptCheckpointError, match='no other intact'):
        resolve_resume(str(tmp_path))


def test_atomic_backend_replaces_whole_files_only(tmp_path, monkeypatch):
    from mmengine.fileio import get_file_backend

    from mmseg_unetpp.utils import AtomicLocalBackend
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'sub' / 'iter_2.pth'
    backend.put(b'old', target)
    assert target.read_bytes() == b'old'

    def fail(*args):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError, match='disk full'):
        backend.put(b'new' * 1000, target)
    assert target.read_bytes() == b'old'
    assert os.listdir(target.parent) == ['iter_2.pth']


def test_read_checkpoint_errors_are_one_line(tmp_path):
    from mmseg_unetpp.utils.checkpoint import read_checkpoint
    from mmseg_unetpp.utils.errors import CheckpointError
    with pytest.raises(CheckpointError, match='checkpoint not found: '):
        read_checkpoint(str(tmp_path / 'missing.pth'))
    broken = tmp_path / 'broken.pth'
    broken.write_text('not a checkpoint')
    with pytest.raises(CheckpointError) as error:
        read_checkpoint(str(broken))
    assert str(broken) in str(error.value) and '\n' not in str(error.value)
    torch.save([torch.zeros(1)], tmp_path / 'list.pth')
    with pytest.raises(CheckpointError, match='holds a list'):
        read_checkpoint(str(tmp_path / 'list.pth'))


def test_compare_and_check_fit_name_keys_and_shapes():
    from mmseg_unetpp.utils.checkpoint import check_fit, compare_state_dicts
    from mmseg_unetpp.utils.errors import CheckpointMismatchError
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3),
                                torch.nn.BatchNorm2d(4))
    state = dict(model.state_dict())
    assert not compare_state_dicts(state, model.state_dict())
    # BN's counter is not compared, as in MMEngine.
    del state['1.num_batches_tracked']
    assert not compare_state_dicts(state, model.state_dict())
    check_fit(model, state)
    del state['0.bias']
    state['0.weight'] = torch.zeros(8, 3, 3, 3)
    state['2.weight'] = torch.zeros(1)
    diff = compare_state_dicts(state, model.state_dict())
    assert diff.missing == ['0.bias'] and diff.unexpected == ['2.weight']
    assert diff.mismatched == [('0.weight', (8, 3, 3, 3), (4, 3, 3, 3))]
    assert diff.fitting == 4  # of 6 tensors (the counter not counted)
    with pytest.raises(CheckpointMismatchError) as error:
        check_fit(model, state, 'x.pth')
    assert str(error.value) == (
        'x.pth does not fit the model of this config: 1 tensor(s) of another '
        'shape (0.weight: (8, 3, 3, 3) in the checkpoint, (4, 3, 3, 3) in '
        'the model), 1 missing (0.bias), 1 not in the model (2.weight); it '
        'was trained with another model or config')


def test_upgrade_maps_the_first_layout_and_keeps_the_current_one():
    from collections import OrderedDict

    from mmseg_unetpp.utils.checkpoint import upgrade_state_dict
    old = OrderedDict([
        ('backbone.nodes.x_1_0.convs.0.conv.weight', 1),
        ('backbone.nodes.x_0_2.convs.0.bn.running_mean', 2),
        ('backbone.ups.up_0_1.conv.weight', 3),
        ('neck.nodes.x_10_1.convs.1.conv.weight', 4),
        ('neck.ups.up_1_2.deconv.weight', 5),
        ('decode_head.branches.0.conv_seg.weight', 6),
        ('backbone.layer1.0.conv1.weight', 7),
    ])
    old._metadata = OrderedDict([('', {}), ('backbone.nodes.x_1_0', {}),
                                 ('neck', {})])
    new = upgrade_state_dict(old)
    assert list(new) == [
        'backbone.encoder.x_1_0.convs.0.conv.weight',
        'backbone.decoder.nodes.x_0_2.convs.0.bn.running_mean',
        'backbone.decoder.ups.up_0_1.conv.weight',
        'neck.decoder.nodes.x_10_1.convs.1.conv.weight',
        'neck.decoder.ups.up_1_2.deconv.weight',
        'decode_head.branches.0.conv_seg.weight',
        'backbone.layer1.0.conv1.weight',
        # accurate mode averaged every branch then (here, one)
        'decode_head.fusion_weights',
    ]
    assert list(new.values())[:7] == list(range(1, 8))
    assert torch.equal(new['decode_head.fusion_weights'], torch.ones(1))
    assert list(new._metadata) == ['', 'backbone.encoder.x_1_0', 'neck']
    assert upgrade_state_dict(new) is new


def test_read_checkpoint_keys_weights_as_the_unwrapped_model(tmp_path):
    from mmseg_unetpp.utils.checkpoint import read_checkpoint
    model = torch.nn.Conv2d(3, 4, 3)
    path = str(tmp_path / 'ddp.pth')
    torch.save(dict(meta=dict(iter=2), state_dict={
        f'module.{k}': v for k, v in model.state_dict().items()}), path)
    state_dict, meta = read_checkpoint(path)
    assert list(state_dict) == ['weight', 'bias'] and meta == dict(iter=2)


def test_check_fit_with_extra_keys_refuses_only_what_the_model_lacks():
    from mmseg_unetpp.utils.checkpoint import check_fit
    from mmseg_unetpp.utils.errors import CheckpointMismatchError
    model = torch.nn.Conv2d(3, 4, 3)
    state = dict(model.state_dict(), **{'fc.weight': torch.zeros(2)})
    diff = check_fit(model, state, extra_keys=True)
    assert diff.fills_model and diff.unexpected == ['fc.weight']
    with pytest.raises(CheckpointMismatchError, match='1 not in the model'):
        check_fit(model, state)
    del state['bias']
    with pytest.raises(CheckpointMismatchError) as error:
        check_fit(model, state, 'x.pth', extra_keys=True, target='the conv',
                  hint='it holds another network')
    assert str(error.value) == (
        'x.pth does not fit the conv: 1 missing (bias), 1 not in the model '
        '(fc.weight); it holds another network')
