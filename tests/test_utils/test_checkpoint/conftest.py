"""Checkpoint files for the tests of ``mmseg_unetpp.utils.checkpoint``:
intact, and cut short as a process killed while saving leaves them."""
import pytest
import torch


@pytest.fixture
def save_checkpoint():
    """``save_checkpoint(path, value=1.0)`` writes a checkpoint of one
    64x64 tensor filled with ``value`` and returns ``path`` as a str."""

    def save(path, value=1.0) -> str:
        torch.save({'state_dict': {'w': torch.full((64, 64), value)}}, path)
        return str(path)

    return save


@pytest.fixture
def truncate():
    """``truncate(path)`` cuts the file at ``path`` to 3/4 of its size."""

    def cut(path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[:len(data) * 3 // 4])

    return cut
