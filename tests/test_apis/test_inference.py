"""MMSeg's own inference API (mmseg.apis.init_model, inference_model) works
with this package's models: accurate mode, fast mode from cfg_options, and a
pruned pair written by tools/prune.py; set_prediction checks the level."""
import sys

import mmcv
import pytest
import torch
from helpers import load_tool
from mmseg.apis import inference_model, init_model
from mmseg.registry import MODELS

from mmseg_unetpp.apis import load_model, set_prediction
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.errors import ConfigError


def test_init_model_and_inference_model(deploy_project):
    model = init_model(str(deploy_project['config']),
                       str(deploy_project['checkpoint']), device='cpu')
    assert isinstance(model, DeepSupervisionEncoderDecoder)
    assert model.dataset_meta['classes'][0] == 'Sky'  # from the checkpoint
    image = str(deploy_project['image'])
    result = inference_model(model, image)
    assert result.pred_sem_seg.data.shape == (1, 40, 56)
    assert result.seg_logits.data.shape == (11, 40, 56)
    # Only the prediction: scoring every level is the evaluator's work.
    assert not [key for key in result.keys() if Levels.from_key(key)]
    # The same as the model's predict on the loaded image.
    img = torch.from_numpy(mmcv.imread(image)).permute(2, 0, 1)
    data = model.data_preprocessor(dict(inputs=[img]), False)
    with torch.no_grad():
        expected, = model.predict(data['inputs'])
    assert torch.equal(result.pred_sem_seg.data, expected.pred_sem_seg.data)
    batch = inference_model(model, [image, image])
    assert len(batch) == 2


def test_fast_mode_and_pruned_pair_give_the_same_logits(
        deploy_project, monkeypatch, tmp_path):
    fast = init_model(
        str(deploy_project['config']), str(deploy_project['checkpoint']),
        device='cpu', cfg_options={'model.decode_head.fast_level': 2})
    assert fast.fast_level == 2
    monkeypatch.setattr(sys, 'argv', [
        'prune.py', str(deploy_project['config']),
        str(deploy_project['checkpoint']), '--level', '2', '--out',
        str(tmp_path)
    ])
    load_tool('prune.py').main()
    pruned = init_model(str(tmp_path / 'unetpp_tiny_pruned-l2.py'),
                        str(tmp_path / 'unetpp_tiny_pruned-l2.pth'),
                        device='cpu')
    assert pruned.backbone.num_levels == 2
    image = str(deploy_project['image'])
    assert torch.equal(inference_model(pruned, image).seg_logits.data,
                       inference_model(fast, image).seg_logits.data)


def test_load_model_sets_the_prediction_by_fast_level_alone(deploy_project):
    config, ckpt = str(deploy_project['config']), str(
        deploy_project['checkpoint'])
    fast_config = {'model.decode_head.fast_level': 2}
    assert load_model(config, ckpt).fast_level is None  # the config's
    assert load_model(config, ckpt, cfg_options=fast_config).fast_level == 2
    assert load_model(config, ckpt, None,
                      cfg_options=fast_config).fast_level is None
    pruned = load_model(config, ckpt, 2, pruned=True)
    assert pruned.backbone.num_levels == 2 and pruned.fast_level == 2
    assert pruned.cfg.model.decode_head.fast_level == 2
    with pytest.raises(ConfigError, match=r'^load_model takes no level; the '
                       r'prediction is set by fast_level \(None for accurate '
                       r'mode, k for fast mode at level k\)$'):
        load_model(config, ckpt, level=2)


def tiny_cfg(**backbone):
    return dict(
        type='DeepSupervisionEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=dict(dict(type='UNetPlusPlus', base_channels=4,
                           num_stages=4), **backbone),
        decode_head=dict(type='DeepSupervisionHead', in_channels=4,
                         channels=4, in_index=[0, 1, 2], num_classes=3))


def test_set_prediction_checks_the_level_against_head_and_grid():
    model = MODELS.build(tiny_cfg())
    set_prediction(model, 2)
    assert model.decode_head.fast_level == 2
    set_prediction(model, None)
    assert model.decode_head.fast_level is None
    with pytest.raises(ConfigError, match=r"fast_level must be None "
                       r"\(accurate mode\) or a level k, got 'accurate'"):
        set_prediction(model, 'accurate')
    with pytest.raises(ConfigError, match=r'branch levels \[1, 2, 3\], '
                       r'got 5'):
        set_prediction(model, 5)
    plain = MODELS.build(tiny_cfg(skip_mode='plain'))
    with pytest.raises(ConfigError, match=r"level 2 .*'plain'"):
        set_prediction(plain, 2)
    assert plain.fast_level is None  # unchanged


def test_set_prediction_on_a_model_without_deep_supervision():
    cfg = tiny_cfg()
    cfg.update(type='EncoderDecoder', decode_head=dict(
        type='FCNHead', in_channels=4, channels=4, num_convs=0,
        concat_input=False, num_classes=3))
    model = MODELS.build(cfg)
    set_prediction(model, None)  # its one prediction
    with pytest.raises(ConfigError, match='needs a DeepSupervisionHead, '
                       'the model has a FCNHead'):
        set_prediction(model, 2)
