"""What ``--resume`` loads: the latest intact checkpoint of a work dir.

A run killed while saving may leave a truncated ``iter_N.pth`` or an empty
``last_checkpoint``; :func:`resolve_resume` then falls back to the latest
intact ``iter_N.pth`` / ``epoch_N.pth`` (:func:`latest_intact_checkpoint`)
with a warning, or names the damaged file given to ``--resume`` and the one
to use instead.
"""
import os
import os.path as osp
import re
from typing import Iterable, Optional, Tuple

from ..errors import CorruptCheckpointError
from .integrity import checkpoint_problem

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
