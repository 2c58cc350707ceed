"""Safe unpickling of checkpoints: ``torch.load(weights_only=True)`` with
an allow-list of what MMEngine checkpoints hold.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which
refuses the Python objects MMEngine writes into a checkpoint's ``meta`` and
``message_hub`` (``HistoryBuffer`` with its numpy arrays), so stock
``tools/test.py CKPT`` and ``tools/train.py --resume`` fail. Rather than
turning ``weights_only`` off (which lets a checkpoint run arbitrary code),
this module allow-lists exactly the globals MMEngine checkpoints contain
(:func:`mmengine_checkpoint_globals`), and
:func:`register_safe_checkpoint_loading` (called when the package is
imported) makes :func:`load_from_local_weights_only` the loader MMEngine
uses for local files.

``HistoryBuffer`` pickles its statistic methods (``HistoryBuffer.mean``...)
as ``builtins.getattr(HistoryBuffer, 'mean')``. ``getattr`` itself is never
allow-listed: the name ``builtins.getattr`` is bound to
:func:`history_buffer_getattr`, which resolves only those methods, so a
chain such as ``getattr(getattr(f, '__globals__'), ...)`` is refused.
"""
import os.path as osp
import pickle
import zipfile
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from ..errors import CheckpointError, CorruptCheckpointError
from .integrity import checkpoint_problem

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
        return torch.load(
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
