# UPerNet (MMSeg's UPerHead: PPM on the stride-32 features, then an FPN
# over all four) over the ImageNet-pretrained EfficientNet-Lite0 (weights
# from the `pretrained` extra), stride 4/8/16/32 features (24/40/112/320
# channels), cross-entropy. MMSeg's ResNet configs use 512 channels; over
# this mobile encoder the head is 128 wide, as LR-ASPP's on MobileNetV3.
# No auxiliary head, as the FPN baseline. EfficientNetLite comes from
# mmseg_unetpp (custom_imports in ../default_runtime.py).
_base_ = ['mmseg::_base_/models/upernet_r50.py']
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
    decode_head=dict(
        in_channels=[24, 40, 112, 320], channels=128, norm_cfg=norm_cfg),
    auxiliary_head=None)
