"""Pruned export, ONNX export and inference helpers."""
from .pruning import (
                      PrunedModel,
                      PruningError,
                      build_segmentor,
                      check_state_dict,
                      checkpoint_bytes,
                      describe_encoder,
                      describe_levels,
                      prune,
                      pruned_config,
                      read_checkpoint,
                      set_fast_mode,
                      weights_checkpoint,
)

__all__ = [
    'PrunedModel', 'PruningError', 'build_segmentor', 'check_state_dict',
    'checkpoint_bytes', 'describe_encoder', 'describe_levels', 'prune',
    'pruned_config', 'read_checkpoint', 'set_fast_mode', 'weights_checkpoint'
]
