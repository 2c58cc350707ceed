"""Encoders start from a local pretrained file through MMEngine's
``init_cfg=dict(type='Pretrained', ...)``, loaded with weights_only."""
import logging

import pytest
import torch
from helpers import SMALL_RESNET, deep_supervision_cfg
from mmengine.logging import MMLogger
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils import UnsafeCheckpointError

ENCODER = SMALL_RESNET


class NotAllowListed:
    """Any class: a weights_only load must refuse to rebuild it."""


def unetpp_over(init_cfg: dict):
    return MODELS.build(deep_supervision_cfg(
        dict(ENCODER, init_cfg=init_cfg),
        dict(type='UNetPlusPlusNeck', in_channels=[8, 16, 32, 64]), width=8,
        num_classes=3))


@pytest.fixture
def encoder_file(tmp_path):
    """A segmentor-style checkpoint whose ``backbone.*`` is a trained
    encoder (random weights standing in)."""
    torch.manual_seed(0)
    encoder = MODELS.build(ENCODER)
    for p in encoder.parameters():
        p.data.normal_()
    path = tmp_path / 'encoder.pth'
    torch.save(
        dict(state_dict={
            f'backbone.{k}': v
            for k, v in encoder.state_dict().items()
        }), path)
    return path, encoder.state_dict()


def test_encoder_loads_from_a_local_file_with_prefix(encoder_file):
    path, expected = encoder_file
    model = unetpp_over(
        dict(type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    model.init_weights()
    loaded = model.backbone.state_dict()
    assert set(loaded) == set(expected)
    for key, value in expected.items():
        assert torch.equal(loaded[key], value), key


def test_pretrained_file_is_loaded_with_weights_only(tmp_path, encoder_file):
    path, _ = encoder_file
    unsafe = tmp_path / 'unsafe.pth'
    checkpoint = torch.load(path, weights_only=True)
    checkpoint['meta'] = NotAllowListed()
    torch.save(checkpoint, unsafe)
    model = unetpp_over(
        dict(type='Pretrained', checkpoint=str(unsafe), prefix='backbone.'))
    with pytest.raises(UnsafeCheckpointError, match='NotAllowListed'):
        model.init_weights()


def test_keys_that_do_not_fit_the_encoder_are_named(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save(
        dict(state_dict={
            'backbone.stem.0.weight': torch.zeros(5, 3, 3, 3),
            'backbone.not_a_layer.weight': torch.zeros(2)
        }), path)
    model = unetpp_over(
        dict(type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        model.init_weights()
    finally:
        logger.removeHandler(handler)
    log = '\n'.join(records)
    assert 'unexpected key in source state_dict: not_a_layer.weight' in log
    assert 'size mismatch for stem.0.weight' in log
    assert 'missing keys in source state_dict' in log
    assert 'layer1.0.conv1.weight' in log
