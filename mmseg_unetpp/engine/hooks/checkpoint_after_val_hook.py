"""MMEngine's CheckpointHook, writing each checkpoint after the validation
of its iteration."""
from typing import Dict, Optional, Tuple

from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class CheckpointAfterValHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints hold what the validation of
    their iteration (or epoch) set in the model.

    MMEngine's train loops run an iteration's hooks (``after_train_iter``,
    where ``CheckpointHook`` writes) before that iteration's validation, so
    a buffer a validation sets (``FusionSelectHook``'s ``fusion_weights``)
    would reach only the next checkpoint, and never the last one. This hook
    decides when to write exactly as ``CheckpointHook`` (same arguments,
    names, ``meta`` and kept files) but writes when the iteration is over:
    after the validation that follows it (after the ``after_val_epoch`` of
    the hooks of higher priority), else before the next iteration or at
    the end of training. The best checkpoint (``save_best``) is written as
    by ``CheckpointHook``. A run stopped during a validation has not
    written that iteration's checkpoint.

    Args:
        **kwargs: ``CheckpointHook`` arguments.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pending: Optional[Tuple[int, Dict[str, int]]] = None

    def _save_checkpoint(self, runner) -> None:
        """Note the step and meta of the checkpoint that
        ``CheckpointHook`` would write now; :meth:`_write_pending` writes
        it.

        Replaces ``mmengine.hooks.CheckpointHook._save_checkpoint`` (a
        private method, checked by :mod:`mmseg_unetpp.utils.private_api`),
        whose step and meta are forked from MMEngine 0.10.7:
        ``test_notes_the_checkpoint_checkpoint_hook_writes``
        (``tests/test_engine/test_hooks/
        test_checkpoint_after_val_hook.py``) holds them to the original's.
        """
        if self.by_epoch:
            step = runner.epoch + 1
            meta = dict(epoch=step, iter=runner.iter)
        else:
            step = runner.iter + 1
            meta = dict(epoch=runner.epoch, iter=step)
        self._pending = (step, meta)

    def _write_pending(self, runner) -> None:
        """Write the checkpoint noted at the end of the last iteration or
        epoch, if any."""
        if self._pending is not None:
            step, meta = self._pending
            self._pending = None
            self._save_checkpoint_with_step(runner, step, meta=meta)

    def after_val_epoch(self, runner, metrics) -> None:
        """Write the checkpoint of the iteration just validated, then the
        best checkpoint as ``CheckpointHook``."""
        self._write_pending(runner)
        super().after_val_epoch(runner, metrics)

    def before_train_epoch(self, runner) -> None:
        """Write the last epoch's checkpoint when no validation ran."""
        self._write_pending(runner)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Write the last iteration's checkpoint when no validation ran."""
        self._write_pending(runner)

    def after_train(self, runner) -> None:
        """Write the last checkpoint, then publish as ``CheckpointHook``."""
        self._write_pending(runner)
        super().after_train(runner)
