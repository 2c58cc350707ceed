"""CheckpointAfterValHook: CheckpointHook's files, written after the
validation of their iteration, so that they hold what it set."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from tiny_runner import tiny_runner

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.checkpoint import load_from_local_weights_only


class CountValidations(Hook):
    """Sets the head's ``fusion_weights`` to 2, 3... after each validation,
    as FusionSelectHook sets its choice (and with its priority)."""

    priority = 'LOW'

    def __init__(self):
        self.count = 0

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.count += 1
        runner.model.decode_head.fusion_weights.fill_(1.0 + self.count)


def saved(work_dir, name: str):
    checkpoint = load_from_local_weights_only(str(work_dir / name),
                                              map_location='cpu')
    return (checkpoint['meta']['iter'],
            checkpoint['state_dict']['decode_head.fusion_weights'].tolist())


def test_each_checkpoint_holds_the_validation_of_its_iteration(tmp_path):
    runner = tiny_runner(
        tmp_path, dict(type='CheckpointAfterValHook', interval=1),
        custom_hooks=[CountValidations()])
    runner.train()
    assert saved(tmp_path, 'iter_1.pth') == (1, [2.0, 2.0])
    assert saved(tmp_path, 'iter_2.pth') == (2, [3.0, 3.0])
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_2.pth')


def test_mmengines_checkpoint_hook_writes_before_the_validation(tmp_path):
    """Why the hook exists: the last checkpoint misses the last choice."""
    runner = tiny_runner(tmp_path, dict(type='CheckpointHook', interval=1),
                         custom_hooks=[CountValidations()])
    runner.train()
    assert saved(tmp_path, 'iter_2.pth') == (2, [2.0, 2.0])


def test_iterations_without_validation_are_written_too(tmp_path):
    """Before the next iteration; the last one is always validated."""
    runner = tiny_runner(
        tmp_path, dict(type='CheckpointAfterValHook', interval=1),
        custom_hooks=[CountValidations()], max_iters=3, val_interval=100)
    runner.train()
    assert saved(tmp_path, 'iter_1.pth') == (1, [1.0, 1.0])
    assert saved(tmp_path, 'iter_2.pth') == (2, [1.0, 1.0])
    assert saved(tmp_path, 'iter_3.pth') == (3, [2.0, 2.0])


def test_the_last_checkpoint_is_written_without_a_val_loop(tmp_path):
    runner = tiny_runner(
        tmp_path, dict(type='CheckpointAfterValHook', interval=2),
        custom_hooks=[CountValidations()], val_interval=None)
    runner.train()
    assert saved(tmp_path, 'iter_2.pth') == (2, [1.0, 1.0])


def test_kept_files_and_best_checkpoint_as_checkpoint_hook(tmp_path):
    runner = tiny_runner(
        tmp_path,
        dict(type='CheckpointAfterValHook', interval=1, max_keep_ckpts=1,
             save_best='mIoU'),
        max_iters=3)
    runner.train()
    names = sorted(p.name for p in tmp_path.glob('*.pth'))
    assert 'iter_3.pth' in names and 'iter_1.pth' not in names
    assert 'iter_2.pth' not in names
    assert len([n for n in names if n.startswith('best_mIoU_iter_')]) == 1
    resumed = load_from_local_weights_only(str(tmp_path / 'iter_3.pth'),
                                           map_location='cpu')
    assert 'optimizer' in resumed and resumed['meta']['iter'] == 3
    weights = runner.model.state_dict()
    for key, value in resumed['state_dict'].items():
        torch.testing.assert_close(value, weights[key].cpu())


@pytest.mark.parametrize('by_epoch', [False, True])
def test_notes_the_checkpoint_checkpoint_hook_writes(by_epoch):
    """The guard of the fork of ``CheckpointHook._save_checkpoint``: the
    hook notes the step and meta that MMEngine's would write."""
    from mmengine.hooks import CheckpointHook

    from mmseg_unetpp.engine.hooks import CheckpointAfterValHook
    hook = CheckpointAfterValHook(interval=1, by_epoch=by_epoch)
    written = []
    hook._save_checkpoint_with_step = lambda runner, step, meta: \
        written.append((step, meta))
    runner = SimpleNamespace(epoch=3, iter=41)
    CheckpointHook._save_checkpoint(hook, runner)
    hook._save_checkpoint(runner)
    assert not written[1:] and hook._pending == written[0]
    assert written[0][0] == (4 if by_epoch else 42)
