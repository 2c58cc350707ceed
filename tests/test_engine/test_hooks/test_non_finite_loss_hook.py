"""NonFiniteLossHook with MMEngine's Runner on a toy model whose loss is
NaN exactly at iteration 3 (a batch holding a NaN)."""
import math

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import DataLoader

from mmseg_unetpp.engine import NonFiniteLossHook, SkipNonFiniteOptimWrapper
from mmseg_unetpp.utils.errors import NonFiniteLossError


class ToyModel(BaseModel):
    """Linear + BN; loss ``loss_toy`` is the mean squared output."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.bn = nn.BatchNorm1d(1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.bn(self.linear(inputs))
        if mode == 'loss':
            return {'loss_toy': (out**2).mean()}
        return out


def toy_loader():
    samples = [dict(inputs=torch.randn(2)) for _ in range(12)]
    samples[4]['inputs'][0] = math.nan  # batch 3 of 2 samples
    return DataLoader(samples, batch_size=2, shuffle=False)


def build_runner(tmp_path, wrapper):
    torch.manual_seed(0)
    return Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=toy_loader(),
        optim_wrapper=dict(
            type=wrapper, optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=6),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=3)),
        custom_hooks=[NonFiniteLossHook()],
        experiment_name=f'toy_{wrapper.__name__}_{id(tmp_path)}')


def finite(model: nn.Module) -> bool:
    return all(
        torch.isfinite(t).all() for t in model.state_dict().values()
        if t.is_floating_point())


def test_stops_at_the_first_non_finite_loss_naming_iteration_and_term(
        tmp_path):
    from mmengine.optim import OptimWrapper
    runner = build_runner(tmp_path, OptimWrapper)
    with pytest.raises(NonFiniteLossError) as error:
        runner.train()
    assert str(error.value).startswith(
        'iteration 3: non-finite loss (loss_toy=nan); training stopped')
    # CheckpointHook (interval 3) never ran for that step.
    assert not (tmp_path / 'iter_3.pth').exists()


def test_skips_and_counts_non_finite_steps_leaving_the_model_as_before(
        tmp_path, capfd):
    runner = build_runner(tmp_path, SkipNonFiniteOptimWrapper)
    states = {}

    class Record(Hook):

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            states[batch_idx] = {
                k: v.clone()
                for k, v in runner.model.state_dict().items()
            }

    runner.register_hook(Record())
    runner.train()
    assert runner.message_hub.get_info('skipped_nonfinite_steps') == 1
    assert finite(runner.model)
    # Iteration 3 (batch index 2) changed nothing: weights, BN statistics.
    for key, before in states[2].items():
        assert torch.equal(before, states[3][key]), key
    # Iterations 2 and 4 did update.
    assert not torch.equal(states[1]['linear.weight'],
                           states[2]['linear.weight'])
    assert not torch.equal(states[3]['linear.weight'],
                           states[4]['linear.weight'])
    log = capfd.readouterr().out
    assert ('iteration 3: non-finite loss (loss_toy=nan); update skipped (1 '
            'skipped so far)') in log
    assert '1 update(s) skipped' in log


def test_metric_values_are_not_losses():
    terms = NonFiniteLossHook._non_finite_terms({
        'loss': torch.tensor(math.nan),
        'decode.l2.loss_ce': torch.tensor(math.inf),
        'decode.l2.acc_seg': torch.tensor(math.nan),
        'decode.l1.loss_ce': torch.tensor(1.0)
    })
    assert terms == {'decode.l2.loss_ce': math.inf}
