"""DataCheckHook with a shipped config on MMSeg's DRIVE layout: labels left
at 0/255 stop training and testing with one line naming the file."""
from pathlib import Path

import numpy as np
import pytest
from helpers import make_medical_data, shrink
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from mmseg_unetpp.utils.errors import DataCheckError

DRIVE_CONFIG = (Path(__file__).resolve().parents[3] / 'configs' / 'unetpp' /
                'unetpp-l4-w32_ds-ce-dice_4xb4-40k_drive-64x64.py')


@pytest.fixture
def unconverted_drive(tmp_path) -> str:
    """DRIVE-layout data whose validation labels are 0/255 masks."""
    root = make_medical_data(tmp_path / 'drive', 'DRIVEDataset')
    for path in sorted(Path(root, 'annotations', 'validation').glob('*.png')):
        label = np.asarray(Image.open(path))
        Image.fromarray((label * 255).astype(np.uint8)).save(path)
    return root


def runner(root: str, tmp_path: Path) -> Runner:
    cfg = shrink(Config.fromfile(str(DRIVE_CONFIG)),
                 {'DRIVEDataset': root}, str(tmp_path / 'work'))
    return Runner.from_cfg(cfg)


@pytest.mark.parametrize('run', ['train', 'test'])
def test_unconverted_0_255_labels_stop_the_run(run, unconverted_drive,
                                               tmp_path):
    first = f'{unconverted_drive}/annotations/validation/0_manual1.png'
    with pytest.raises(DataCheckError) as error:
        getattr(runner(unconverted_drive, tmp_path), run)()
    message = str(error.value)
    assert '\n' not in message
    assert message.startswith('data check: 2 problem(s) in ')
    assert f'first: {first}: label values are 0 and 255 only' in message
    assert 'divide the label maps by 128' in message
