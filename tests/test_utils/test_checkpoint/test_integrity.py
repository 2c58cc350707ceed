import pytest

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.checkpoint.integrity import checkpoint_problem
from mmseg_unetpp.utils.checkpoint.safe_loading import (
    load_from_local_weights_only,
)
from mmseg_unetpp.utils.errors import CorruptCheckpointError


def test_checkpoint_problem_tells_truncated_from_intact(
        tmp_path, save_checkpoint, truncate):
    good = save_checkpoint(tmp_path / 'iter_2.pth')
    assert checkpoint_problem(good) is None
    truncate(tmp_path / 'iter_2.pth')
    assert checkpoint_problem(good) == ('truncated or corrupt (no zip '
                                        'directory at its end)')
    with pytest.raises(CorruptCheckpointError, match='iter_2.pth: truncated'):
        load_from_local_weights_only(good)
    (tmp_path / 'empty.pth').write_bytes(b'')
    assert checkpoint_problem(str(tmp_path / 'empty.pth')) == 'empty (0 bytes)'
    (tmp_path / 'notes.pth').write_text('not a checkpoint')
    assert checkpoint_problem(str(
        tmp_path / 'notes.pth')) == 'not a PyTorch checkpoint'
    with pytest.raises(CorruptCheckpointError, match='notes.pth: not a'):
        load_from_local_weights_only(str(tmp_path / 'notes.pth'))


def test_checkpoint_problem_finds_a_flipped_byte(tmp_path, save_checkpoint):
    path = tmp_path / 'iter_2.pth'
    save_checkpoint(path)
    data = bytearray(path.read_bytes())
    middle = data.index(b'\x00\x00\x80?')  # inside the tensor's 1.0s
    data[middle + 3] = 0x40
    path.write_bytes(bytes(data))
    assert checkpoint_problem(str(path)).startswith('corrupt (CRC error')
