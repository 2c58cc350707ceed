from .hooks import (
                    CheckpointMatchHook,
                    DataCheckHook,
                    NonFiniteLossHook,
                    SyncBuffersEveryIterHook,
)
from .optimizers import SkipNonFiniteOptimWrapper

__all__ = [
    'CheckpointMatchHook', 'DataCheckHook', 'NonFiniteLossHook',
    'SkipNonFiniteOptimWrapper', 'SyncBuffersEveryIterHook'
]
