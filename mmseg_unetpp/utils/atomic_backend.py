"""A local file backend whose writes are atomic, for checkpoints.

MMEngine writes a checkpoint with ``LocalBackend.put``: ``open(path, 'wb')``
then ``write``. A process killed during the write leaves a truncated file
under the final name; when ``CheckpointHook`` rewrites the checkpoint that
``last_checkpoint`` already names (it does after a new best score), a kill
leaves ``last_checkpoint`` pointing at a truncated file. ``AtomicLocalBackend``
writes ``PATH.tmp`` in the same folder, flushes it to disk and renames it to
``PATH`` with ``os.replace`` (atomic on POSIX and Windows): ``PATH`` is
always either the old file or the complete new one. A kill leaves at most a
stale ``PATH.tmp``, which the next save of ``PATH`` overwrites.

It is registered as MMEngine file backend ``'atomic_local'``; this
package's schedules set ``default_hooks.checkpoint.backend_args=dict(
backend='atomic_local')``.
"""
import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.utils import mkdir_or_exist


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` with atomic ``put`` (temporary file, then rename)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically.

        Args:
            obj (bytes): The data.
            filepath (str or Path): The destination; its folder is created.
        """
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        mkdir_or_exist(folder)
        temporary = f'{filepath}.tmp'
        try:
            with open(temporary, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, filepath)
        except BaseException:
            if osp.exists(temporary):
                os.remove(temporary)
            raise
        _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    """Persist a rename (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


register_backend('atomic_local', AtomicLocalBackend, force=True)
