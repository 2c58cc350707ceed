from .checkpoint_after_val_hook import CheckpointAfterValHook
from .checkpoint_match_hook import CheckpointMatchHook
from .data_check_hook import DataCheckHook
from .fusion_select_hook import FusionSelectHook
from .non_finite_loss_hook import NonFiniteLossHook
from .per_level_prediction_hook import PerLevelPredictionHook
from .switchable_hook import SwitchableHook
from .sync_buffers_every_iter_hook import SyncBuffersEveryIterHook

__all__ = [
    'CheckpointAfterValHook', 'CheckpointMatchHook', 'DataCheckHook',
    'FusionSelectHook', 'NonFiniteLossHook', 'PerLevelPredictionHook',
    'SwitchableHook', 'SyncBuffersEveryIterHook'
]
