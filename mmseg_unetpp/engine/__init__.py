from .hooks import (
                    CheckpointAfterValHook,
                    CheckpointMatchHook,
                    DataCheckHook,
                    FusionSelectHook,
                    NonFiniteLossHook,
                    PerLevelPredictionHook,
                    SyncBuffersEveryIterHook,
)
from .optimizers import SkipNonFiniteOptimWrapper

__all__ = [
    'CheckpointAfterValHook', 'CheckpointMatchHook', 'DataCheckHook',
    'FusionSelectHook', 'NonFiniteLossHook', 'PerLevelPredictionHook',
    'SkipNonFiniteOptimWrapper', 'SyncBuffersEveryIterHook'
]
