from .atomic_backend import AtomicLocalBackend
from .checkpoint import (
                         UnsafeCheckpointError,
                         checkpoint_problem,
                         history_buffer_getattr,
                         latest_intact_checkpoint,
                         load_from_local_weights_only,
                         register_safe_checkpoint_loading,
                         resolve_resume,
)
from .config_prefix import register_config_prefix
from .dataset_config import (
                         dataset_frames,
                         inner_dataset,
                         inner_datasets,
                         split_frames,
)
from .env import check_mmcv
from .errors import (
                         BadSampleError,
                         CheckpointError,
                         CheckpointMismatchError,
                         ConfigError,
                         CorruptCheckpointError,
                         DataCheckError,
                         MissingPackageError,
                         NonFiniteLossError,
                         NonFiniteWeightsError,
                         PrivateApiError,
                         UserError,
                         error_line,
)

__all__ = [
    'AtomicLocalBackend', 'BadSampleError', 'CheckpointError',
    'CheckpointMismatchError', 'ConfigError', 'CorruptCheckpointError',
    'DataCheckError', 'MissingPackageError', 'NonFiniteLossError',
    'NonFiniteWeightsError', 'PrivateApiError',
    'UnsafeCheckpointError', 'UserError', 'check_mmcv', 'checkpoint_problem',
    'dataset_frames', 'error_line', 'history_buffer_getattr', 'inner_dataset',
    'inner_datasets', 'latest_intact_checkpoint',
    'load_from_local_weights_only', 'register_config_prefix',
    'register_safe_checkpoint_loading', 'resolve_resume', 'split_frames'
]
