"""tools/dataset_converters/drive_fov.py: DRIVE's masks of the eye, from the
release's archives to where ``LoadFOVMask`` reads them. Generated
archives."""
import io
import zipfile

import numpy as np
from helpers import run_main
from mmseg.registry import TRANSFORMS
from PIL import Image

import mmseg_unetpp  # noqa: F401


def gif(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).save(buffer, format='GIF')
    return buffer.getvalue()


def release(path, split: str, numbers) -> np.ndarray:
    """A zip laid out as DRIVE's: ``split/images``, ``split/1st_manual``,
    ``split/mask/NN_split_mask.gif``."""
    yy, xx = np.mgrid[0:30, 0:40]
    eye = (yy - 15) ** 2 + (xx - 20) ** 2 < 14 ** 2
    with zipfile.ZipFile(path, 'w') as zf:
        for number in numbers:
            zf.writestr(f'{split}/images/{number}_{split}.tif', b'')
            zf.writestr(f'{split}/mask/{number}_{split}_mask.gif', gif(eye))
    return eye


def test_masks_land_where_the_fov_loader_reads_them(tmp_path, capsys):
    eye = release(tmp_path / 'training.zip', 'training', ['21', '22'])
    release(tmp_path / 'test.zip', 'test', ['01'])
    out = tmp_path / 'DRIVE'
    assert run_main('dataset_converters/drive_fov.py',
                    tmp_path / 'training.zip', tmp_path / 'test.zip', '-o',
                    out) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'training.zip'}: 2 masks in {out}/fov/training",
        f"{tmp_path / 'test.zip'}: 1 mask in {out}/fov/validation"]
    assert sorted(p.relative_to(out).as_posix()
                  for p in out.rglob('*.png')) == [
        'fov/training/21_mask.png', 'fov/training/22_mask.png',
        'fov/validation/01_mask.png']
    load = TRANSFORMS.build(dict(type='LoadFOVMask'))
    for split, number in (('training', '21'), ('validation', '01')):
        loaded = load(dict(img_path=str(out / 'images' / split /
                                        f'{number}.png'),
                           ori_shape=(30, 40)))
        assert np.array_equal(loaded['fov_mask'], eye)


def test_an_archive_without_masks_is_one_line(tmp_path, capsys):
    with zipfile.ZipFile(tmp_path / 'other.zip', 'w') as zf:
        zf.writestr('images/1.png', b'')
    (tmp_path / 'notes.txt').write_text('not a zip')
    for name, message in (
            ('other.zip', 'no field-of-view mask in it'),
            ('notes.txt', "not a zip archive; expected DRIVE's training.zip"),
            ('missing.zip', 'archive not found')):
        assert run_main('dataset_converters/drive_fov.py', tmp_path / name,
                        '-o', tmp_path / 'out') == 1
        err = capsys.readouterr().err
        assert 'Traceback' not in err
        assert err.strip().splitlines()[-1].startswith(
            f'error: {tmp_path / name}: {message}')
