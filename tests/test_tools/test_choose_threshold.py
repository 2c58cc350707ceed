"""tools/analysis_tools/choose_threshold.py on the shipped DRIVE config:
each threshold's scores are those ``tools/test.py`` gives with
``model.test_cfg.threshold`` set to it, inside the field of view too, and
the pick is the best of them. Generated data, random weights."""
import re
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from helpers import make_medical_data, randomize
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, save_checkpoint
from mmseg.registry import MODELS
from tiny_project import REPO

from mmseg_unetpp.apis.inference import config_dataset_meta

DRIVE = (REPO / 'configs' / 'unetpp' /
         'unetpp_efficientnet-lite0_ds-ce-dice_1xb4-10k_drive-64x64.py')


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """DRIVE-like data with field-of-view masks, the retinal guide's
    config (the shipped one with the masks scored), and a checkpoint of
    random weights."""
    root = tmp_path_factory.mktemp('threshold')
    data = Path(make_medical_data(root / 'drive', 'DRIVEDataset'))
    (data / 'fov' / 'validation').mkdir(parents=True)
    mask = np.zeros((45, 61), np.uint8)
    mask[4:41, 6:57] = 255
    for k in range(2):
        mmcv.imwrite(mask, str(data / 'fov' / 'validation' / f'{k}_mask.png'))
    # The user's config of the retinal guide, its base found from here.
    guide = (REPO / 'docs' / 'en' / 'user_guides' / 'retinal.md').read_text()
    snippet = re.search(r"```python\n(_base_ = \['\./configs/.*?)```",
                        guide, re.S)[1]
    (root / 'my_drive_fov.py').write_text(
        snippet.replace("'./configs/", f"'{REPO}/configs/"))
    config = root / 'drive_fov_here.py'
    config.write_text(f'''_base_ = ['./my_drive_fov.py']
data_root = {str(data)!r}
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(backbone=dict(init_cfg=None))
''')
    cfg = Config.fromfile(str(config))
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = randomize(MODELS.build(cfg.model), seed=3)
    checkpoint = root / 'random.pth'
    save_checkpoint(dict(meta=dict(dataset_meta=config_dataset_meta(cfg)),
                         state_dict=model.state_dict()), str(checkpoint))
    return dict(root=root, config=config, checkpoint=checkpoint)


def scores_of_test(project, threshold: float) -> dict:
    """What ``tools/test.py`` scores with ``test_cfg.threshold``."""
    cfg = Config.fromfile(str(project['config']))
    cfg.model.test_cfg.threshold = threshold
    cfg.load_from = str(project['checkpoint'])
    cfg.work_dir = str(project['root'] / f'test_{threshold}')
    return Runner.from_cfg(cfg).test()


def test_each_thresholds_scores_are_the_test_tools(project, tool):
    out = project['root'] / 'threshold.json'
    result = tool('analysis_tools/choose_threshold', project['config'],
                  project['checkpoint'], '--thresholds', '0.3', '0.5',
                  '0.7', '--out', out)
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines()
            if re.match(r'\| 0\.\d', line)]
    assert len(rows) == 3
    import json
    report = json.loads(out.read_text())
    assert report['images'] == 2 and report['picked_by'] == 'fov.Dice'
    # The test pass scores every level too: float rounding may move a
    # pixel or two across a threshold (0.1 point each), not more.
    for row in report['rows']:
        metrics = scores_of_test(project, row['threshold'])
        for key in ('Dice', 'mDice', 'fov.Dice'):
            assert row[key] == pytest.approx(metrics[key], abs=0.3)
    # The thresholds give scores further apart than that.
    dice = sorted(row['fov.Dice'] for row in report['rows'])
    assert dice[1] - dice[0] > 1 and dice[2] - dice[1] > 1
    pick = max(report['rows'], key=lambda row: row['fov.Dice'])
    assert report['pick'] == pick
    assert result.out.strip().splitlines()[-1].endswith(
        f"--cfg-options model.test_cfg.threshold={pick['threshold']:g}")


def test_a_model_of_other_than_two_classes_is_one_line(tool, tmp_path):
    config = REPO / 'configs' / 'unetpp_camvid.py'
    checkpoint = tmp_path / 'w.pth'
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmseg')
    save_checkpoint(dict(meta=dict(dataset_meta=config_dataset_meta(cfg)),
                         state_dict=MODELS.build(cfg.model).state_dict()),
                    str(checkpoint))
    result = tool('analysis_tools/choose_threshold', config, checkpoint)
    assert result.code == 1 and 'Traceback' not in result.err
    assert result.error.startswith(
        f'error: {config}: a threshold needs a DeepSupervisionEncoderDecoder '
        'with two softmax channels (two classes), got '
        'DeepSupervisionEncoderDecoder with 11 channel(s)')
    assert tool('analysis_tools/choose_threshold', config, checkpoint,
                '--thresholds', '1.5').code == 2


def test_flips_at_test_time_keep_the_threshold(project, tool):
    """The DRIVE config's ``--tta``: the image and its mirror image, their
    probabilities averaged and thresholded at ``test_cfg.threshold``."""
    from mmseg_unetpp.utils.launch import load_config
    cfg = load_config(str(project['config']))
    assert cfg.tta_model.type == 'ThresholdSegTTAModel'
    flips = cfg.tta_pipeline[1].transforms[0]
    assert [f['prob'] for f in flips] == [0., 1.]
    scores = {}
    for threshold in (0.3, 0.7):
        result = tool('test', project['config'], project['checkpoint'],
                      '--tta', '--work-dir', project['root'] / 'tta',
                      '--cfg-options', f'model.test_cfg.threshold={threshold}',
                      'test_evaluator.fov=False')
        assert result.code == 0, result.err
        line = next(line for line in (result.out + result.err).splitlines()
                    if 'metrics: ' in line)
        scores[threshold] = float(re.search(r' Dice ([\d.]+)', line)[1])
    assert scores[0.3] != scores[0.7]
