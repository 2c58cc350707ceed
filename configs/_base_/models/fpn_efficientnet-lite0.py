# The stock decoder a user would put on a pretrained encoder: MMSeg's FPN
# neck and FPNHead over the ImageNet-pretrained EfficientNet-Lite0 (weights
# from the `pretrained` extra), on its stride 4/8/16/32 features
# (24/40/112/320 channels), 64 channels throughout, cross-entropy. The
# weights were trained on RGB scaled as (x - 127) / 128. EfficientNetLite
# comes from mmseg_unetpp (custom_imports in ../default_runtime.py).
_base_ = ['mmseg::_base_/models/fpn_r50.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean=[127.0, 127.0, 127.0], std=[128.0, 128.0, 128.0]),
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='lite0',
        pretrained=True,
        out_indices=(1, 2, 3, 4)),
    neck=dict(in_channels=[24, 40, 112, 320], out_channels=64),
    decode_head=dict(
        in_channels=[64, 64, 64, 64], channels=64, norm_cfg=norm_cfg))
