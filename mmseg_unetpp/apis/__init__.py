"""Inference, pruned export and ONNX export."""
from .inference import load_model, set_prediction
from .pruning import (
                      PrunedModel,
                      PruningError,
                      build_segmentor,
                      checkpoint_bytes,
                      describe_encoder,
                      describe_levels,
                      prune,
                      pruned_config,
                      weights_checkpoint,
)
from .segmentor_logits import SegmentorLogits

__all__ = [
    'PrunedModel', 'PruningError', 'SegmentorLogits', 'build_segmentor',
    'checkpoint_bytes',
    'describe_encoder', 'describe_levels', 'load_model', 'prune',
    'pruned_config', 'set_prediction', 'weights_checkpoint'
]
