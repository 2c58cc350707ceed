import pytest

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.checkpoint.resume import resolve_resume
from mmseg_unetpp.utils.errors import CorruptCheckpointError


def test_resolve_resume(tmp_path, save_checkpoint, truncate):
    assert resolve_resume(str(tmp_path)) == (None, None)  # from scratch
    for step in (2, 4, 6):
        save_checkpoint(tmp_path / f'iter_{step}.pth', step)
    save_checkpoint(tmp_path / 'best_mIoU_iter_6.pth')
    last = tmp_path / 'last_checkpoint'
    last.write_text(str(tmp_path / 'iter_6.pth'))
    assert resolve_resume(str(tmp_path)) == (str(tmp_path / 'iter_6.pth'),
                                             None)
    # Written relative to another directory: found in the work dir.
    last.write_text('elsewhere/iter_6.pth')
    assert resolve_resume(str(tmp_path))[0] == str(tmp_path / 'iter_6.pth')
    truncate(tmp_path / 'iter_6.pth')
    last.write_text(str(tmp_path / 'iter_6.pth'))
    path, warning = resolve_resume(str(tmp_path))
    assert path == str(tmp_path / 'iter_4.pth')
    assert warning.startswith(f'{tmp_path / "iter_6.pth"}, named in {last}, '
                              'is truncated or corrupt')
    last.write_text('')  # killed while writing last_checkpoint
    assert resolve_resume(str(tmp_path)) == (
        str(tmp_path / 'iter_4.pth'), f'{last} is empty; resuming from '
        f'{tmp_path / "iter_4.pth"}, the latest intact checkpoint in '
        f'{tmp_path}')
    with pytest.raises(CorruptCheckpointError) as error:
        resolve_resume(str(tmp_path), str(tmp_path / 'iter_6.pth'))
    assert str(error.value).endswith(
        f'resume with --resume {tmp_path / "iter_4.pth"}')
    for step in (2, 4):
        truncate(tmp_path / f'iter_{step}.pth')
    last.write_text(str(tmp_path / 'iter_6.pth'))
    with pytest.raises(CorruptCheckpointError, match='no other intact'):
        resolve_resume(str(tmp_path))
