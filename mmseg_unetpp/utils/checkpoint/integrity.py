"""Whether a checkpoint file is intact, checked without unpickling it.

A process killed while writing a checkpoint, a full disk or a bad copy
leaves a truncated or damaged file. :func:`checkpoint_problem` says what is
wrong with one, so that loading it (:mod:`.safe_loading`) and resuming
(:mod:`.resume`) can name the file and the problem in one line.
"""
import os.path as osp
import zipfile
import zlib
from typing import Optional


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
