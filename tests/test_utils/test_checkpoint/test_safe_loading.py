import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.checkpoint.safe_loading import (
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
