# UNet++ over ImageNet-pretrained EfficientNet-Lite0 (weights from the
# `pretrained` extra): the nested decoder (UNetPlusPlusNeck) on the
# encoder's stride 4/8/16/32 features (24/40/112/320 channels), nested
# nodes 48 wide, deep supervision on X(0,1)..X(0,3) at stride 4 with a
# 3x3 conv (64 channels) before each classifier, logits resized to the
# input. Measured against MMSeg's FPN on the same encoder at equal
# training time (docs/en/advanced_guides/benchmarks.md), this shape beats
# the paper's one (rows down to stride 2, nodes as wide as the encoder,
# 1x1 classifiers). The weights were trained on RGB scaled as (x - 127) / 128.
_base_ = ['./unetpp.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
model = dict(
    data_preprocessor=dict(
        mean=[127.0, 127.0, 127.0], std=[128.0, 128.0, 128.0]),
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='lite0',
        pretrained=True,
        out_indices=(1, 2, 3, 4)),
    neck=dict(
        type='UNetPlusPlusNeck',
        in_channels=[24, 40, 112, 320],
        channels=48,
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=48,
        channels=64,
        num_convs=1,
        in_index=[0, 1, 2],
        loss_weights=[1.0, 1.0, 1.0]))
