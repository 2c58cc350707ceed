from .checkpoint import (UnsafeCheckpointError, history_buffer_getattr,
                         load_from_local_weights_only,
                         register_safe_checkpoint_loading)
from .config_prefix import register_config_prefix
from .env import check_mmcv

__all__ = [
    'UnsafeCheckpointError', 'check_mmcv', 'history_buffer_getattr',
    'load_from_local_weights_only', 'register_config_prefix',
    'register_safe_checkpoint_loading'
]
