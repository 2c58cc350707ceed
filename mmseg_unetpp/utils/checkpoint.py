"""Checkpoints: read, compare with a model, load, describe; one error type.

Every function here raises :class:`CheckpointError` (or a subclass) with a
one-line message naming the file:

- :func:`read_checkpoint`: the weights and meta of a file;
- :func:`compare_state_dicts`, :func:`check_fit`, :func:`load_weights`:
  whether a state dict fits a model, tensor by tensor (BN's
  ``num_batches_tracked`` counters are not compared, as in MMEngine), and
  loading it only when it fits; :func:`strip_wrapper_prefix`: the keys as
  the unwrapped model names them;
- :func:`upgrade_state_dict`: the key map from the grid's first key
  layout (applied on every load);
- :func:`checkpoint_problem`, :func:`latest_intact_checkpoint`,
  :func:`resolve_resume`: truncated and corrupt files, and what to resume
  from;
- the loader MMEngine uses for local files, with ``weights_only=True``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which
refuses the Python objects MMEngine writes into a checkpoint's ``meta`` and
``message_hub`` (``HistoryBuffer`` with its numpy arrays), so stock
``tools/test.py CKPT`` and ``tools/train.py --resume`` fail. Rather than
turning ``weights_only`` off (which lets a checkpoint run arbitrary code),
this module allow-lists exactly the globals MMEngine checkpoints contain.

``HistoryBuffer`` pickles its statistic methods (``HistoryBuffer.mean``...)
as ``builtins.getattr(HistoryBuffer, 'mean')``. ``getattr`` itself is never
allow-listed: the name ``builtins.getattr`` is bound to
:func:`history_buffer_getattr`, which resolves only those methods, so a
chain such as ``getattr(getattr(f, '__globals__'), ...)`` is refused.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from .errors import (
    CheckpointError,
    CheckpointMismatchError,
    CorruptCheckpointError,
)

# ``HistoryBuffer.statistics_methods`` of a freshly made buffer.
HISTORY_BUFFER_METHODS = frozenset(('min', 'max', 'current', 'mean'))


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint references a global outside the allow-list."""


def history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stand-in for ``builtins.getattr`` while unpickling a checkpoint.

    Resolves only ``HistoryBuffer``'s statistic methods, the one use of
    ``getattr`` in MMEngine checkpoints.

    Raises:
        UnsafeCheckpointError: for any other object or attribute name.
    """
    if obj is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        f'HistoryBuffer.{{{", ".join(sorted(HISTORY_BUFFER_METHODS))}}} '
        'are allowed')


def _numpy_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """numpy's array, dtype and scalar reconstructors under every module path
    numpy 1.x and 2.x pickle them with."""
    if hasattr(np, '_core'):  # numpy >= 2
        multiarray = np._core.multiarray
    else:
        multiarray = np.core.multiarray
    found: List[Union[Callable, Tuple[Callable, str]]] = [
        np.ndarray, np.dtype]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        found.append((multiarray._reconstruct, f'{module}._reconstruct'))
        found.append((multiarray.scalar, f'{module}.scalar'))
    # numpy >= 1.25 pickles a dtype through its class (numpy.dtypes.*DType).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found.extend(
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType'))
    return found


def mmengine_checkpoint_globals(
) -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals an MMEngine checkpoint may reference, in the form
    ``torch.serialization.add_safe_globals`` takes."""
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def load_from_local_weights_only(filename: str,
                                 map_location: Optional[Any] = None) -> dict:
    """MMEngine checkpoint loader for local paths: ``weights_only=True``
    with the allow-list, and errors that name the file.

    Raises:
        FileNotFoundError: if ``filename`` is not a file.
        UnsafeCheckpointError: if the checkpoint references a global outside
            the allow-list (e.g. ``os.system``).
        CorruptCheckpointError: if the file is truncated or not a
            checkpoint.
        CheckpointError: if torch cannot load it for another reason.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    try:
        checkpoint = torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if checkpoint_problem(filename) is not None:
            raise CorruptCheckpointError(
                f'{filename}: {checkpoint_problem(filename)}') from None
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
            filename)
        allowed = {
            g[1] if isinstance(g, tuple) else
            f'{g.__module__}.{g.__qualname__}'
            for g in torch.serialization.get_safe_globals()
        }
        refused = [name for name in unsafe if name not in allowed]
        if refused:
            reason = (f'it references {", ".join(refused)}, which is not '
                      'allow-listed')
        else:
            reason = _unpickler_reason(str(error))
        raise UnsafeCheckpointError(
            f'refused to load checkpoint {filename}: {reason}. Checkpoints '
            'are loaded with torch.load(weights_only=True); only what '
            'MMEngine saves is allowed') from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile) as error:
        problem = checkpoint_problem(filename)
        if problem is not None:
            raise CorruptCheckpointError(f'{filename}: {problem}') from None
        raise CheckpointError(f'cannot load checkpoint {filename}: '
                              f'{_unpickler_reason(str(error))}') from None
    if isinstance(checkpoint, dict):
        if isinstance(checkpoint.get('state_dict'), dict):
            checkpoint['state_dict'] = upgrade_state_dict(
                checkpoint['state_dict'])
        else:
            checkpoint = upgrade_state_dict(checkpoint)
    return checkpoint


def _unpickler_reason(message: str) -> str:
    """The unpickler's own complaint inside torch's long error message."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for k, line in enumerate(lines):
        head, marker, tail = line.partition('WeightsUnpickler error:')
        if marker:
            return tail.strip() or (lines[k + 1] if k + 1 < len(lines) else
                                    head)
    return lines[0] if lines else message


def register_safe_checkpoint_loading() -> None:
    """Allow-list MMEngine's checkpoint contents for every ``torch.load``
    and make MMEngine load local checkpoints with ``weights_only=True``."""
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True)


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not an intact checkpoint file, or None.

    ``torch.save`` writes a zip archive; its directory is at the end, so a
    truncated file has none, and every entry carries a CRC. This reads the
    whole file once (about 0.3 s per 100 MB) and does not unpickle it.

    Args:
        path (str): The file.

    Returns:
        str or None: e.g. ``'truncated or corrupt (no zip directory at its
        end)'``; None for an intact archive or a legacy (pre-zip) file.
    """
    if not osp.isfile(path):
        return 'not found'
    if osp.getsize(path) == 0:
        return 'empty (0 bytes)'
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            head = f.read(2)
        if head == b'PK':
            return 'truncated or corrupt (no zip directory at its end)'
        if head[:1] == b'\x80':  # torch's legacy (pre-1.6) pickle format
            return None
        return 'not a PyTorch checkpoint'
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        return f'truncated or corrupt ({error})'
    if damaged is not None:
        return f'corrupt (CRC error in {damaged})'
    return None


_STEP_NAME = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def latest_intact_checkpoint(folder: str,
                             skip: Iterable[str] = ()) -> Optional[str]:
    """The intact ``iter_N.pth`` / ``epoch_N.pth`` with the largest N.

    Best checkpoints (``best_*.pth``) are not candidates: they hold no
    optimizer state to resume from.

    Args:
        folder (str): A work dir.
        skip (Iterable[str]): Paths not to consider.

    Returns:
        str or None: The path, or None if there is none.
    """
    if not osp.isdir(folder):
        return None
    skipped = {osp.abspath(p) for p in skip}
    steps = []
    for name in os.listdir(folder):
        match = _STEP_NAME.match(name)
        if match:
            steps.append((int(match.group(1)), osp.join(folder, name)))
    for _, path in sorted(steps, reverse=True):
        if osp.abspath(path) not in skipped and checkpoint_problem(
                path) is None:
            return path
    return None


def resolve_resume(work_dir: str,
                   checkpoint: Optional[str] = None
                   ) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint ``--resume`` should load, and a warning if any.

    - ``checkpoint`` given: it must be intact, else
      :class:`CorruptCheckpointError` names it and the latest intact
      checkpoint of its folder to use instead.
    - ``checkpoint`` None (resume from the work dir): the file named in
      ``WORK_DIR/last_checkpoint``; if that is missing, empty or damaged,
      the latest intact ``iter_N.pth`` in the work dir, with a warning; None
      (train from scratch) if there is no checkpoint at all.

    Args:
        work_dir (str): The run's work dir.
        checkpoint (str, optional): The file given to ``--resume``.

    Returns:
        tuple: The path (or None) and a warning (or None).

    Raises:
        CorruptCheckpointError: see above.
    """
    if checkpoint is not None:
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            return checkpoint, None
        folder = osp.dirname(checkpoint) or '.'
        other = latest_intact_checkpoint(folder, skip=[checkpoint])
        advice = (f'the latest intact checkpoint in {folder} is {other}: '
                  f'resume with --resume {other}' if other else
                  f'there is no intact checkpoint in {folder}')
        raise CorruptCheckpointError(f'{checkpoint}: {problem}; {advice}')
    save_file = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(save_file):
        with open(save_file) as f:
            named = f.read().strip() or None
    if named is not None:
        if not osp.isfile(named):  # saved relative to another directory
            local = osp.join(work_dir, osp.basename(named))
            named = local if osp.isfile(local) else named
        problem = checkpoint_problem(named)
        if problem is None:
            return named, None
        reason = f'{named}, named in {save_file}, is {problem}'
    elif osp.isfile(save_file):
        reason = f'{save_file} is empty'
    else:
        reason = f'there is no {save_file}'
    fallback = latest_intact_checkpoint(
        work_dir, skip=[named] if named else [])
    if fallback is None:
        if named is not None:
            raise CorruptCheckpointError(
                f'{reason}, and {work_dir} holds no other intact checkpoint')
        return None, None
    return fallback, (f'{reason}; resuming from {fallback}, the latest '
                      f'intact checkpoint in {work_dir}')


# The grid's first key layout: its nodes directly under the backbone or
# neck (``backbone.nodes.x_1_0``, ``neck.nodes.x_0_2``, ``backbone.ups...``).
# Checkpoints of mmseg-unetpp 0.1.0 may hold it; the version did not change
# with the layout, so the keys tell the layouts apart. Mapped on every load
# by every 0.x version.
_FIRST_LAYOUT = re.compile(
    r'^(?P<part>backbone|neck)\.(?P<key>nodes\.x_(?P<i>\d+)_(?P<j>\d+)|'
    r'ups\.up_\d+_\d+)(?P<rest>\..*|$)')


# A deep-supervision head's branches, and its buffer of the levels accurate
# mode averages. A 0.1.0 checkpoint may lack the buffer (its accurate mode
# averaged every branch); every 0.x version reads it as all ones.
_BRANCH_WEIGHT = re.compile(
    r'^decode_head\.branches\.(\d+)\.conv_seg\.weight$')
FUSION_KEY = 'decode_head.fusion_weights'


def _upgraded_key(key: str) -> str:
    match = _FIRST_LAYOUT.match(key)
    if match is None:
        return key
    part, rest = match['part'], match['rest']
    if match['j'] == '0':  # the paper's encoder column
        return f"{part}.encoder.x_{match['i']}_0{rest}"
    return f"{part}.decoder.{match['key']}{rest}"


def upgrade_state_dict(state_dict: Mapping[str, Any]) -> Mapping[str, Any]:
    """A state dict of the grid's first key layout (``_FIRST_LAYOUT``) in
    the layout of this version.

    The first layout holds the grid's nodes directly under the backbone or
    neck; its keys map one to one onto this version's::

        backbone.nodes.x_1_0.*   -> backbone.encoder.x_1_0.*
        backbone.nodes.x_0_2.*   -> backbone.decoder.nodes.x_0_2.*
        neck.nodes.x_0_2.*       -> neck.decoder.nodes.x_0_2.*
        {backbone,neck}.ups.*    -> {backbone,neck}.decoder.ups.*

    and a deep-supervision head without ``fusion_weights`` gets ones (its
    accurate mode averaged every branch). Other keys are kept; a state
    dict of this version's layout is returned unchanged (the same object).
    The module metadata that ``state_dict()`` attaches is renamed alike.
    """
    branches = {
        int(m[1])
        for m in map(_BRANCH_WEIGHT.match, state_dict) if m is not None
    }
    missing_fusion = bool(branches) and FUSION_KEY not in state_dict
    if not missing_fusion and not any(
            _FIRST_LAYOUT.match(key) for key in state_dict):
        return state_dict
    upgraded = OrderedDict(
        (_upgraded_key(key), value) for key, value in state_dict.items())
    if missing_fusion:  # every branch, as its accurate mode averaged
        upgraded[FUSION_KEY] = torch.ones(max(branches) + 1)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        upgraded._metadata = OrderedDict(
            (_upgraded_key(key + '.')[:-1] if key else key, value)
            for key, value in metadata.items())
    return upgraded


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
