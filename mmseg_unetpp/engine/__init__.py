from .hooks import (
                    CheckpointMatchHook,
                    DataCheckHook,
                    FusionSelectHook,
                    NonFiniteLossHook,
                    SyncBuffersEveryIterHook,
)
from .optimizers import SkipNonFiniteOptimWrapper

__all__ = [
    'CheckpointMatchHook', 'DataCheckHook', 'FusionSelectHook',
    'NonFiniteLossHook',
    'SkipNonFiniteOptimWrapper', 'SyncBuffersEveryIterHook'
]
