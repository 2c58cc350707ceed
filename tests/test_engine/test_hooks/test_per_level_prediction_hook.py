"""PerLevelPredictionHook: validation and test score every level when the
evaluator asks for it; any other prediction computes only its own."""
import pytest
from tiny_runner import TinyDataset, tiny_runner

import mmseg_unetpp  # noqa: F401

LEVEL_KEYS = {'l1.mIoU', 'l2.mIoU', 'l1-l2.mIoU'}
HOOK = dict(per_level_prediction=dict(type='PerLevelPredictionHook'))


@pytest.mark.parametrize('run', ['val', 'test'])
def test_every_level_is_scored_during_the_run_only(tmp_path, run):
    runner = tiny_runner(tmp_path, hooks=HOOK)
    metrics = getattr(runner, run)()
    assert LEVEL_KEYS <= set(metrics)
    model = runner.model
    assert model.per_level is False  # back to the model's own setting
    data = TinyDataset()[0]  # as inference_model calls it: test_step
    result, = model.test_step(dict(inputs=[data['inputs']],
                                   data_samples=[data['data_samples']]))
    assert 'pred_sem_seg' in result and 'pred_sem_seg_l1' not in result


def test_without_the_hook_or_with_a_metric_that_does_not_ask(tmp_path):
    assert not LEVEL_KEYS & set(tiny_runner(tmp_path / 'a').val())
    asks_nothing = tiny_runner(tmp_path / 'b', hooks=HOOK, metric='IoUMetric')
    assert not LEVEL_KEYS & set(asks_nothing.val())


def test_a_model_that_predicts_every_level_keeps_doing_so(tmp_path):
    runner = tiny_runner(tmp_path, hooks=HOOK)
    runner.model.per_level = True
    runner.val()
    assert runner.model.per_level is True
