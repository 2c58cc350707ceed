"""Every shipped config predicts an image smaller than its model's minimum
side (16 for 5 stages): the data preprocessor pads it at test time and the
prediction is cropped back to the image's size."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_12x12_image_keeps_its_size(path):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(path))
    model = MODELS.build(cfg.model).eval()
    image = torch.randint(0, 256, (3, 12, 12), dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(12, 12),
                                         ori_shape=(12, 12)))
    with torch.no_grad():
        pred = model.test_step(dict(inputs=[image],
                                    data_samples=[sample]))[0]
    assert tuple(pred.pred_sem_seg.shape) == (12, 12)
    assert tuple(pred.seg_logits.shape[-2:]) == (12, 12)
