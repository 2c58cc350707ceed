"""Pruned export: the sub-network of level k as a model of its own, for the
paper's UNet++ and for the nested decoder over other encoders."""
import os
import re

import pytest
import torch
from helpers import make_samples, randomize
from mmengine.config import ConfigDict
from mmengine.runner import save_checkpoint

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.apis import (
    PruningError,
    build_segmentor,
    checkpoint_bytes,
    prune,
    weights_checkpoint,
)
from mmseg_unetpp.apis.pruning import ENCODER_CUT, ENCODER_ROWS, ENCODER_WHOLE
from mmseg_unetpp.utils.errors import CheckpointMismatchError

H, W = 37, 45


def segmentor_cfg(backbone, neck=None, levels=3, width=4) -> ConfigDict:
    cfg = dict(
        type='DeepSupervisionEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[0.] * 3, std=[1.] * 3),
        backbone=backbone,
        decode_head=dict(
            type='DeepSupervisionHead', in_channels=width, channels=width,
            in_index=list(range(levels)), num_classes=5),
        test_cfg=dict(mode='whole'))
    if neck is not None:
        cfg['neck'] = neck
    return ConfigDict(cfg)


def neck(in_channels, channels=8):
    return dict(type='UNetPlusPlusNeck', in_channels=in_channels,
                channels=channels)


MODELS = {
    'unetpp': segmentor_cfg(
        dict(type='UNetPlusPlus', base_channels=4, num_stages=4)),
    'resnet18': segmentor_cfg(
        dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8),
        neck([8, 16, 32, 64]), width=8),
    'mit': segmentor_cfg(
        dict(type='MixVisionTransformer', embed_dims=8,
             num_layers=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]),
        neck([8, 8, 8, 8]), width=8),
    # MobileNetV2 computes all its layers whatever out_indices says: the
    # pruned model keeps the whole encoder.
    'mobilenetv2': segmentor_cfg(
        dict(type='MobileNetV2', widen_factor=0.25, out_indices=(1, 2, 4, 6)),
        neck([8, 8, 24, 80]), width=8),
}
ENCODERS = dict(unetpp=ENCODER_ROWS, resnet18=ENCODER_CUT, mit=ENCODER_CUT,
                mobilenetv2=ENCODER_WHOLE)


def trained(name):
    """The full model of ``name`` with random weights and statistics."""
    return randomize(build_segmentor(MODELS[name]))


def predict_logits(model, inputs):
    model.eval()
    with torch.no_grad():
        samples = model.predict(inputs, make_samples(len(inputs), 5, (H, W)))
    return torch.stack([s.seg_logits.data for s in samples])


@pytest.mark.parametrize('name', list(MODELS))
@pytest.mark.parametrize('level', [1, 2, 3])
def test_pruned_model_predicts_exactly_the_full_fast_mode(name, level):
    full = trained(name)
    pruned = prune(MODELS[name], full.state_dict(), level)
    model = build_segmentor(pruned.model_cfg)
    model.load_state_dict(pruned.state_dict, strict=True)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(2, 3, H, W, generator=generator)
    full.fast_level = level
    expected = predict_logits(full, inputs)
    assert torch.equal(predict_logits(model, inputs), expected)
    assert model.fast_level == level
    assert pruned.encoder == ENCODERS[name]


@pytest.mark.parametrize('level', [1, 2, 3])
def test_unetpp_keeps_exactly_the_nodes_with_i_plus_j_at_most_k(level):
    full = trained('unetpp')
    pruned = prune(MODELS['unetpp'], full.state_dict(), level)
    nodes = {
        re.search(r'x_\d+_\d+', key)[0]
        for key in pruned.state_dict
        if key.startswith(('backbone.encoder.', 'backbone.decoder.nodes.'))
    }
    assert nodes == {
        f'x_{i}_{j}'
        for i in range(4) for j in range(4) if i + j <= level
    }
    # Exactly a stand-alone UNet++ of level k, under the same keys.
    standalone = build_segmentor(
        segmentor_cfg(dict(type='UNetPlusPlus', base_channels=4,
                           num_stages=level + 1), levels=level))
    assert {k for k in pruned.state_dict if k.startswith('backbone.')} == {
        k for k in standalone.state_dict() if k.startswith('backbone.')}
    # Branch k, renamed branch 0, with its weights.
    heads = {k for k in pruned.state_dict if k.startswith('decode_head.')}
    assert heads == {'decode_head.branches.0.conv_seg.weight',
                     'decode_head.branches.0.conv_seg.bias',
                     'decode_head.fusion_weights'}
    assert torch.equal(pruned.state_dict['decode_head.fusion_weights'],
                       torch.ones(1))  # one branch: nothing to average
    assert torch.equal(
        pruned.state_dict['decode_head.branches.0.conv_seg.weight'],
        full.state_dict()[
            f'decode_head.branches.{level - 1}.conv_seg.weight'])


def test_resnet_encoder_is_cut_after_stage_k_and_neck_keeps_k_rows():
    full = trained('resnet18')
    pruned = prune(MODELS['resnet18'], full.state_dict(), 2)
    keys = pruned.state_dict
    assert any(k.startswith('backbone.layer3.') for k in keys)
    assert not any(k.startswith('backbone.layer4.') for k in keys)
    assert pruned.model_cfg.backbone.num_stages == 3
    assert pruned.model_cfg.neck.in_channels == [8, 16, 32]
    nodes = {
        k.split('.')[3] for k in keys if k.startswith('neck.decoder.nodes.')
    }
    assert nodes == {'x_0_1', 'x_1_1', 'x_0_2'}


def test_whole_encoder_is_kept_when_it_cannot_be_cut():
    full = trained('mobilenetv2')
    pruned = prune(MODELS['mobilenetv2'], full.state_dict(), 1)
    backbone = {k for k in full.state_dict() if k.startswith('backbone.')}
    assert backbone <= set(pruned.state_dict)
    assert pruned.model_cfg.backbone.out_indices == [1, 2]


def test_efficientnet_lite_encoder_is_cut():
    pytest.importorskip('efficientnet_lite_pytorch')
    cfg = segmentor_cfg(
        dict(type='EfficientNetLite', out_indices=(0, 1, 2, 3, 4)),
        neck([16, 24, 40, 112, 320]), levels=4, width=8)
    full = randomize(build_segmentor(cfg))
    pruned = prune(cfg, full.state_dict(), 2)
    assert pruned.encoder == ENCODER_CUT
    assert pruned.model_cfg.backbone.out_indices == [0, 1, 2]
    assert len(pruned.state_dict) < len(full.state_dict())


def test_pruned_checkpoint_shrinks_with_the_level(tmp_path):
    full = trained('unetpp')
    sizes = {}
    for level in (1, 2, 3):
        pruned = prune(MODELS['unetpp'], full.state_dict(), level)
        checkpoint = weights_checkpoint(pruned.state_dict, {}, level)
        path = str(tmp_path / f'l{level}.pth')
        save_checkpoint(checkpoint, path)
        sizes[level] = os.path.getsize(path)
        assert checkpoint_bytes(checkpoint) == sizes[level]
    whole = checkpoint_bytes(weights_checkpoint(full.state_dict()))
    assert sizes[1] < sizes[2] < sizes[3] < whole


def test_weights_checkpoint_keeps_dataset_meta_only():
    meta = dict(dataset_meta=dict(classes=['a', 'b']), iter=7,
                env_info='long text', config='text of the config')
    checkpoint = weights_checkpoint({'w': torch.zeros(1)}, meta, level=2)
    assert checkpoint['meta'] == dict(dataset_meta=dict(classes=['a', 'b']),
                                      iter=7, pruned_level=2)


def test_level_outside_the_models_levels_names_the_range():
    full = trained('unetpp')
    with pytest.raises(PruningError,
                       match=r"level 4 is outside the model's levels 1\.\.3"):
        prune(MODELS['unetpp'], full.state_dict(), 4)


def test_checkpoint_that_does_not_fit_names_keys_and_shapes():
    full = trained('unetpp')
    state_dict = dict(full.state_dict())
    del state_dict['backbone.encoder.x_3_0.convs.0.conv.weight']
    state_dict['backbone.extra.weight'] = torch.zeros(2)
    state_dict['decode_head.branches.0.conv_seg.weight'] = torch.zeros(
        11, 4, 1, 1)
    with pytest.raises(CheckpointMismatchError) as error:
        prune(MODELS['unetpp'], state_dict, 2, source='ckpt.pth')
    message = str(error.value)
    assert '\n' not in message
    assert message.startswith('ckpt.pth does not fit the model of this '
                              'config')
    assert '1 missing (backbone.encoder.x_3_0.convs.0.conv.weight)' in message
    assert '1 not in the model (backbone.extra.weight)' in message
    assert ('decode_head.branches.0.conv_seg.weight: (11, 4, 1, 1) in the '
            'checkpoint, (5, 4, 1, 1) in the model') in message


def test_plain_unet_has_no_sub_networks_to_prune():
    cfg = segmentor_cfg(
        dict(type='UNetPlusPlus', base_channels=4, num_stages=4,
             skip_mode='plain'), levels=1)
    cfg.decode_head.in_index = [0]
    full = build_segmentor(cfg)
    with pytest.raises(PruningError, match="level 2 is outside"):
        prune(cfg, full.state_dict(), 2)


def test_encoder_cut_that_changes_the_prediction_falls_back_to_whole(
        monkeypatch):
    from mmseg_unetpp.apis import pruning

    def wrong_cut(backbone, num_stages):  # a stride the model does not have
        return dict(num_stages=num_stages, strides=[1] * num_stages,
                    dilations=[1] * num_stages,
                    stage_with_dcn=[False] * num_stages)

    monkeypatch.setattr(pruning, '_cut_encoder', wrong_cut)
    full = trained('resnet18')
    pruned = prune(MODELS['resnet18'], full.state_dict(), 2)
    assert pruned.encoder == ENCODER_WHOLE
    model = build_segmentor(pruned.model_cfg)
    model.load_state_dict(pruned.state_dict, strict=True)
    inputs = torch.randn(1, 3, H, W)
    full.fast_level = 2
    assert torch.equal(predict_logits(model, inputs),
                       predict_logits(full, inputs))


def test_resnet_with_multi_grid_keeps_the_whole_encoder():
    cfg = segmentor_cfg(
        dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
             dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1),
             multi_grid=(1, 2)),
        neck([8, 16, 32, 64]), width=8)
    full = randomize(build_segmentor(cfg))
    # multi_grid belongs to the last stage: a cut would move it.
    pruned = prune(cfg, full.state_dict(), 2)
    assert pruned.encoder == ENCODER_WHOLE
    assert 'backbone.layer4.1.conv1.weight' in pruned.state_dict
