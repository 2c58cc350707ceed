from .hooks import (
                    CheckpointAfterValHook,
                    CheckpointMatchHook,
                    DataCheckHook,
                    FusionSelectHook,
                    NonFiniteLossHook,
                    PerLevelPredictionHook,
                    SyncBuffersEveryIterHook,
)
from .optimizers import Bf16OptimWrapper, SkipNonFiniteOptimWrapper

__all__ = [
    'Bf16OptimWrapper', 'CheckpointAfterValHook', 'CheckpointMatchHook',
    'DataCheckHook', 'FusionSelectHook', 'NonFiniteLossHook',
    'PerLevelPredictionHook', 'SkipNonFiniteOptimWrapper',
    'SyncBuffersEveryIterHook'
]
