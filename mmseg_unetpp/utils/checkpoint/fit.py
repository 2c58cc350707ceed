"""Whether a checkpoint's weights fit a model, and loading them only then.

MMEngine loads weights non-strictly: a missing tensor keeps its random
initial value and one of another shape is skipped with a warning. Here a
state dict is compared with a model's tensor by tensor
(:func:`compare_state_dicts`; BN's ``num_batches_tracked`` counters are not
compared, as in MMEngine), refused in one line naming the keys when it does
not fit (:func:`check_fit`) and loaded only when it does
(:func:`load_weights`). :func:`read_checkpoint` gives the weights and meta
of a file, keyed as the unwrapped model names them
(:func:`strip_wrapper_prefix`).
"""
import pickle
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

import torch
import torch.nn as nn
from mmengine.runner import CheckpointLoader

from ..errors import CheckpointError, CheckpointMismatchError

# The key of a deep-supervision head's ``fusion_weights`` buffer (the
# levels accurate mode averages) in a segmentor's state dict.
FUSION_KEY = 'decode_head.fusion_weights'

_WRAPPER_PREFIX = re.compile(r'^module\.')


def strip_wrapper_prefix(state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """``state_dict`` without the ``module.`` a DDP or DataParallel wrapper
    puts before every key (what MMEngine's ``load_checkpoint`` strips by
    default)."""
    return {_WRAPPER_PREFIX.sub('', key): v for key, v in state_dict.items()}


def read_checkpoint(path: str) -> Tuple[Dict[str, torch.Tensor], dict]:
    """The weights and meta of an MMEngine checkpoint (or of a bare state
    dict), read on the CPU with ``torch.load(weights_only=True)``; the
    weights keyed as the unwrapped model names them
    (:func:`strip_wrapper_prefix`).

    Returns:
        tuple: ``(state_dict, meta)``; ``meta`` is ``{}`` when absent.

    Raises:
        CheckpointError: one line when ``path`` is missing, not a
            checkpoint, unsafe or holds no tensors.
    """
    try:
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    except FileNotFoundError:
        raise CheckpointError(f'checkpoint not found: {path}') from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError,
            ValueError) as error:
        if isinstance(error, CheckpointError):
            raise
        reason = str(error).strip().splitlines()[0] if str(error) else ''
        raise CheckpointError(f'cannot read checkpoint {path}: '
                              f'{type(error).__name__}: {reason}') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{path} holds a {type(checkpoint).__name__}, '
                              'not a checkpoint dict')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not state_dict or not all(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointError(f'{path} has no state_dict of tensors')
    meta = dict(checkpoint.get('meta') or {})
    return strip_wrapper_prefix(state_dict), meta


# How a refused checkpoint names the model, and what it most likely is.
FIT_TARGET = 'the model of this config'
FIT_HINT = 'it was trained with another model or config'


@dataclass
class StateDictDiff:
    """How a checkpoint's state dict differs from a model's.

    Attributes:
        missing (list[str]): The model's keys the checkpoint lacks.
        unexpected (list[str]): The checkpoint's keys the model lacks.
        mismatched (list[tuple]): ``(key, checkpoint shape, model shape)``.
        fitting (int): The model's tensors the checkpoint can fill.
    """
    missing: List[str]
    unexpected: List[str]
    mismatched: List[Tuple[str, tuple, tuple]]
    fitting: int

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mismatched)

    @property
    def fills_model(self) -> bool:
        """Whether every tensor of the model has one of its shape (keys the
        model does not have aside)."""
        return not self.missing and not self.mismatched

    def error(self,
              source: str,
              target: str = FIT_TARGET,
              hint: str = FIT_HINT) -> CheckpointMismatchError:
        """The one-line error: ``'{source} does not fit {target}:
        {describe()}; {hint}'``."""
        return CheckpointMismatchError(
            f'{source} does not fit {target}: {self.describe()}; {hint}')

    def describe(self, limit: int = 2) -> str:
        """``'2 tensor(s) of another shape (k: (16, 3) in the checkpoint,
        (32, 3) in the model; ...), 1 missing (k2)'``, naming at most
        ``limit`` keys of each kind."""

        def first(items: list, show=str) -> str:
            shown = '; '.join(show(item) for item in items[:limit])
            return shown + ('; ...' if len(items) > limit else '')

        parts = []
        if self.mismatched:
            parts.append(
                f'{len(self.mismatched)} tensor(s) of another shape (' +
                first(self.mismatched, lambda m: f'{m[0]}: {m[1]} in the '
                      f'checkpoint, {m[2]} in the model') + ')')
        if self.missing:
            parts.append(f'{len(self.missing)} missing '
                         f'({first(self.missing)})')
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} not in the model '
                         f'({first(self.unexpected)})')
        return ', '.join(parts)


def _counter(key: str) -> bool:
    return key.endswith('num_batches_tracked')


def compare_state_dicts(checkpoint: Mapping[str, Any],
                        model: Mapping[str, Any]) -> StateDictDiff:
    """Compare a checkpoint's state dict with a model's, key by key and
    shape by shape; BN's ``num_batches_tracked`` counters are not compared
    (MMEngine does not either)."""
    missing = [k for k in model if k not in checkpoint and not _counter(k)]
    unexpected = [
        k for k in checkpoint if k not in model and not _counter(k)
    ]
    mismatched = [(k, tuple(checkpoint[k].shape), tuple(model[k].shape))
                  for k in model if k in checkpoint
                  and hasattr(checkpoint[k], 'shape')
                  and tuple(checkpoint[k].shape) != tuple(model[k].shape)]
    fitting = len([k for k in model if not _counter(k)]) - len(missing) - \
        len(mismatched)
    return StateDictDiff(missing, unexpected, mismatched, fitting)


def check_fit(model: nn.Module,
              state_dict: Mapping[str, Any],
              source: str = 'the checkpoint',
              extra_keys: bool = False,
              target: str = FIT_TARGET,
              hint: str = FIT_HINT) -> StateDictDiff:
    """Refuse weights that do not fit ``model`` exactly.

    Args:
        model (nn.Module): The model the weights are for.
        state_dict (Mapping[str, Any]): The weights, keyed as the model
            names them.
        source (str): What the weights are called in the error, e.g. the
            file.
        extra_keys (bool): Allow keys the model does not have (a classifier
            that a backbone drops): only a missing tensor or one of another
            shape is refused. Default: False.
        target (str): What the model is called in the error.
        hint (str): What the error ends with.

    Returns:
        StateDictDiff: How the weights differ from the model's (keys it
        does not have, with ``extra_keys``).

    Raises:
        CheckpointMismatchError: naming ``source`` and the first keys of
            each kind.
    """
    diff = compare_state_dicts(state_dict, model.state_dict())
    if not diff.fills_model or (diff.unexpected and not extra_keys):
        raise diff.error(source, target, hint)
    return diff


def load_weights(model: nn.Module,
                 state_dict: Mapping[str, Any],
                 source: str = 'the checkpoint') -> None:
    """Load weights that fit ``model`` exactly (:func:`check_fit`)."""
    check_fit(model, state_dict, source)
    model.load_state_dict(state_dict, strict=False)
