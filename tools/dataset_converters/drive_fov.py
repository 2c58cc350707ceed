r"""Write DRIVE's field-of-view masks beside MMSeg's DRIVE layout.

MMSeg's ``tools/dataset_converters/drive.py`` converts the images and the
vessel labels of DRIVE's ``training.zip`` and ``test.zip`` (the test images
become ``images/validation``) and leaves out the masks of the eye that the
vessel literature scores inside. This tool reads the same archives and
writes each mask where ``LoadFOVMask`` looks for it::

    training.zip  training/mask/21_training_mask.gif
                  -> OUT/fov/training/21_mask.png
    test.zip      test/mask/01_test_mask.gif
                  -> OUT/fov/validation/01_mask.png

as 8-bit PNG, 255 inside the field of view and 0 outside.

Example::

    python tools/dataset_converters/drive_fov.py training.zip test.zip \
        -o data/DRIVE
"""
import io
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Sequence

import numpy as np
from PIL import Image

from mmseg_unetpp.utils.errors import UserError
from mmseg_unetpp.utils.launch import ArgumentParser, exit_tool

# training/mask/21_training_mask.gif, test/mask/01_test_mask.gif
MASK = re.compile(r'(?:^|/)mask/(\d+)_(training|test)_mask\.gif$')
SPLITS = {'training': 'training', 'test': 'validation'}


def convert(archive: str, out_dir: str) -> List[str]:
    """Write the masks of one DRIVE archive under ``out_dir/fov``.

    Args:
        archive (str): ``training.zip`` or ``test.zip`` of the release.
        out_dir (str): MMSeg's DRIVE folder (``data/DRIVE``).

    Returns:
        list[str]: The files written.

    Raises:
        UserError: for a file that is not a zip archive, or one that holds
            no DRIVE mask.
    """
    if not osp.isfile(archive):
        raise UserError(f'{archive}: archive not found')
    if not zipfile.is_zipfile(archive):
        raise UserError(f'{archive}: not a zip archive; expected DRIVE\'s '
                        'training.zip or test.zip')
    written = []
    with zipfile.ZipFile(archive) as zf:
        for name in sorted(zf.namelist()):
            found = MASK.search(name)
            if found is None:
                continue
            number, split = found.groups()
            with Image.open(io.BytesIO(zf.read(name))) as image:
                mask = np.asarray(image.convert('L')) > 0
            folder = osp.join(out_dir, 'fov', SPLITS[split])
            os.makedirs(folder, exist_ok=True)
            path = osp.join(folder, f'{number}_mask.png')
            Image.fromarray(mask.astype(np.uint8) * 255).save(path)
            written.append(path)
    if not written:
        raise UserError(
            f'{archive}: no field-of-view mask in it (expected files such '
            'as training/mask/21_training_mask.gif); give DRIVE\'s '
            'training.zip or test.zip')
    return written


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('archives', nargs='+',
                        help="DRIVE's training.zip and/or test.zip")
    parser.add_argument('-o', '--out-dir', default=osp.join('data', 'DRIVE'),
                        help='MMSeg\'s DRIVE folder (default: data/DRIVE)')
    args = parser.parse_args(argv)
    for archive in args.archives:
        written = convert(archive, args.out_dir)
        noun = 'mask' if len(written) == 1 else 'masks'
        print(f'{archive}: {len(written)} {noun} in '
              f'{osp.dirname(written[0])}')


if __name__ == '__main__':
    exit_tool(main)
