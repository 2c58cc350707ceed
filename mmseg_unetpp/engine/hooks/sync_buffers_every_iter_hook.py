"""Average BN statistics across processes after every iteration."""
from mmengine.dist import all_reduce_params
from mmengine.hooks import SyncBuffersHook
from mmseg.registry import HOOKS

from .switchable_hook import SwitchableHook


@HOOKS.register_module()
class SyncBuffersEveryIterHook(SwitchableHook, SyncBuffersHook):
    """MMEngine's ``SyncBuffersHook``, also after every training iteration.

    With BN (not SyncBN, e.g. DDP on CPU) each process updates its own
    running statistics, and MMEngine wraps the model with
    ``broadcast_buffers=False``: the checkpoint (written by rank 0) and the
    validation (run by all ranks on their shares of the data) then see
    different statistics, and the logged val score is not the checkpoint's.
    Averaging the buffers after every iteration, before ``CheckpointHook``
    (priority NORMAL < VERY_LOW) and before validation, makes them the same
    on every process, so ``tools/test.py`` on the saved checkpoint gives the
    logged score. Nothing is done without DDP.

    Args:
        enabled (bool): Run the hook (``default_hooks.sync_buffers``).
            Default: True.
    """

    def __init__(self, enabled: bool = True) -> None:
        SyncBuffersHook.__init__(self)
        SwitchableHook.__init__(self, enabled)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """All-reduce (mean) the model's buffers."""
        if self.distributed:
            all_reduce_params(runner.model.buffers(), op='mean')
