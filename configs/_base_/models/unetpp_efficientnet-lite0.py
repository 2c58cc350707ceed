# UNet++ over ImageNet-pretrained EfficientNet-Lite0 (weights from the
# `pretrained` extra): the nested decoder (UNetPlusPlusNeck) on the
# encoder's stride 2/4/8/16/32 features (16/24/40/112/320 channels; nested
# nodes as wide as their row, as in the paper), deep supervision on
# X(0,1)..X(0,4) at stride 2, logits resized to the input. The weights were
# trained on RGB scaled as (x - 127) / 128.
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
        out_indices=(0, 1, 2, 3, 4)),
    neck=dict(
        type='UNetPlusPlusNeck',
        in_channels=[16, 24, 40, 112, 320],
        norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16))
