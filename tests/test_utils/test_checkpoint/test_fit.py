import pytest
import torch
from helpers import deep_supervision_cfg
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.checkpoint.fit import (
    FUSION_KEY,
    check_fit,
    compare_state_dicts,
    load_weights,
    read_checkpoint,
)
from mmseg_unetpp.utils.errors import CheckpointError, CheckpointMismatchError


def test_read_checkpoint_errors_are_one_line(tmp_path):
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


def test_read_checkpoint_keys_weights_as_the_unwrapped_model(tmp_path):
    model = torch.nn.Conv2d(3, 4, 3)
    path = str(tmp_path / 'ddp.pth')
    torch.save(dict(meta=dict(iter=2), state_dict={
        f'module.{k}': v for k, v in model.state_dict().items()}), path)
    state_dict, meta = read_checkpoint(path)
    assert list(state_dict) == ['weight', 'bias'] and meta == dict(iter=2)


def test_compare_and_check_fit_name_keys_and_shapes():
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


def test_check_fit_with_extra_keys_refuses_only_what_the_model_lacks():
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


def test_checkpoint_without_fusion_weights_is_refused(tmp_path):
    """A deep-supervision head's ``fusion_weights`` is a tensor like any
    other: a checkpoint without it does not fit."""
    model = MODELS.build(deep_supervision_cfg(
        dict(type='UNetPlusPlus', base_channels=4, num_stages=4)))
    state = dict(model.state_dict())
    del state[FUSION_KEY]
    path = str(tmp_path / 'iter_1.pth')
    torch.save(dict(meta=dict(iter=1), state_dict=state), path)
    state_dict, _ = read_checkpoint(path)
    assert FUSION_KEY not in state_dict
    with pytest.raises(CheckpointMismatchError) as error:
        load_weights(model, state_dict, path)
    assert str(error.value).startswith(
        f'{path} does not fit the model of this config: 1 missing '
        f'({FUSION_KEY});')
