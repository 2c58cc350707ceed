"""Checkpoints: load safely, check intact, resume, fit a model.

One module per job:

- :mod:`.safe_loading`: ``torch.load(weights_only=True)`` with the globals
  MMEngine checkpoints hold allow-listed, as MMEngine's loader for local
  files;
- :mod:`.integrity`: truncated and corrupt files, found without
  unpickling them;
- :mod:`.resume`: the checkpoint ``--resume`` loads;
- :mod:`.fit`: the weights and meta of a file, and whether they fit a
  model, tensor by tensor, loading them only when they do.

Every function here raises :class:`CheckpointError` (or a subclass) with a
one-line message naming the file. The public names of the modules are
importable from this package.
"""
from .fit import (
    StateDictDiff,
    check_fit,
    compare_state_dicts,
    load_weights,
    read_checkpoint,
    strip_wrapper_prefix,
)
from .integrity import checkpoint_problem
from .resume import latest_intact_checkpoint, resolve_resume
from .safe_loading import (
    UnsafeCheckpointError,
    history_buffer_getattr,
    load_from_local_weights_only,
    mmengine_checkpoint_globals,
    register_safe_checkpoint_loading,
)

__all__ = [
    'StateDictDiff', 'UnsafeCheckpointError', 'check_fit',
    'checkpoint_problem', 'compare_state_dicts', 'history_buffer_getattr',
    'latest_intact_checkpoint', 'load_from_local_weights_only',
    'load_weights', 'mmengine_checkpoint_globals', 'read_checkpoint',
    'register_safe_checkpoint_loading', 'resolve_resume',
    'strip_wrapper_prefix'
]
