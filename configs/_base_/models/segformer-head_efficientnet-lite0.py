# SegFormer's all-MLP decoder (MMSeg's SegformerHead: each of the stride
# 4/8/16/32 features projected to 256 channels, resized to stride 4,
# concatenated and fused) over the ImageNet-pretrained EfficientNet-Lite0
# (weights from the `pretrained` extra; 24/40/112/320 channels), 256
# channels as MMSeg's SegFormer-B0, whose encoder is as wide (32-256),
# cross-entropy.
_base_ = ['mmseg::_base_/models/segformer_mit-b0.py']
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
    decode_head=dict(in_channels=[24, 40, 112, 320], norm_cfg=norm_cfg))
