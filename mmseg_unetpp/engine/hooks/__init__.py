from .checkpoint_match_hook import CheckpointMatchHook
from .data_check_hook import DataCheckHook
from .fusion_select_hook import FusionSelectHook
from .non_finite_loss_hook import NonFiniteLossHook
from .sync_buffers_every_iter_hook import SyncBuffersEveryIterHook

__all__ = [
    'CheckpointMatchHook', 'DataCheckHook', 'FusionSelectHook',
    'NonFiniteLossHook', 'SyncBuffersEveryIterHook'
]
