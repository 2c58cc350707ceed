import os

import pytest
from mmengine.fileio import get_file_backend

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils import AtomicLocalBackend


def test_atomic_backend_replaces_whole_files_only(tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'sub' / 'iter_2.pth'
    backend.put(b'old', target)
    assert target.read_bytes() == b'old'

    def fail(*args):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError, match='disk full'):
        backend.put(b'new' * 1000, target)
    assert target.read_bytes() == b'old'
    assert os.listdir(target.parent) == ['iter_2.pth']
