"""``CheckpointMatchHook`` refuses a checkpoint that does not fit the model
before MMEngine copies anything (non-strict: unless something fits)."""
from types import SimpleNamespace

import pytest
import torch

from mmseg_unetpp.engine.hooks import CheckpointMatchHook
from mmseg_unetpp.utils.errors import CheckpointMismatchError


class Warnings:
    def __init__(self):
        self.messages = []

    def warning(self, message):
        self.messages.append(message)


def runner_of(model: torch.nn.Module, load_from='ckpt.pth'):
    return SimpleNamespace(model=model, cfg=dict(load_from=load_from),
                           logger=Warnings())


def model():
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3),
                               torch.nn.BatchNorm2d(4))


def test_a_fitting_checkpoint_of_a_wrapped_model_passes():
    net = model()
    runner = runner_of(net)
    state = {f'module.{k}': v for k, v in net.state_dict().items()}
    CheckpointMatchHook().after_load_checkpoint(runner, dict(state_dict=state))
    assert runner.logger.messages == []


def test_strict_refuses_any_difference_in_one_line():
    net = model()
    state = dict(net.state_dict())
    state['0.weight'] = torch.zeros(8, 3, 3, 3)
    with pytest.raises(CheckpointMismatchError) as error:
        CheckpointMatchHook().after_load_checkpoint(
            runner_of(net), dict(state_dict=state))
    assert str(error.value) == (
        'ckpt.pth does not fit the model of this config: 1 tensor(s) of '
        'another shape (0.weight: (8, 3, 3, 3) in the checkpoint, (4, 3, '
        '3, 3) in the model); it was trained with another model or config')


def test_non_strict_loads_what_fits_and_logs_the_rest():
    net = model()
    state = dict(net.state_dict())
    del state['0.bias']
    runner = runner_of(net)
    CheckpointMatchHook(strict=False).after_load_checkpoint(
        runner, dict(state_dict=state))
    assert runner.logger.messages == [
        'non-strict load of ckpt.pth: 5 of 6 tensors fit and are loaded; '
        'not loaded: 1 missing (0.bias)'
    ]


def test_non_strict_still_refuses_a_checkpoint_of_which_nothing_fits():
    with pytest.raises(CheckpointMismatchError,
                       match='; nothing in it fits this model$'):
        CheckpointMatchHook(strict=False).after_load_checkpoint(
            runner_of(model(), None), dict(state_dict={'x': torch.zeros(1)}))
