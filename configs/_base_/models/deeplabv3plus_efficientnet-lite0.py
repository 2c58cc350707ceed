# DeepLabV3+ (MMSeg's DepthwiseSeparableASPPHead) over the ImageNet-
# pretrained EfficientNet-Lite0 (weights from the `pretrained` extra): ASPP
# on the stride-32 features (320 channels), the stride-4 features (24
# channels, reduced to 48) as its low-level input, cross-entropy. The
# encoder is not dilated, so the ASPP rates are DeepLab's (1, 12, 24, 36)
# at output stride 8 scaled to output stride 32: (1, 3, 6, 9). MMSeg's
# ResNet and MobileNetV2 configs use 512 channels; over this mobile encoder
# the head is 128 wide, as LR-ASPP's on MobileNetV3. No auxiliary head, as
# the FPN baseline. EfficientNetLite comes from mmseg_unetpp
# (custom_imports in ../default_runtime.py).
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']
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
        in_channels=320,
        in_index=3,
        channels=128,
        dilations=(1, 3, 6, 9),
        c1_in_channels=24,
        c1_channels=48,
        norm_cfg=norm_cfg),
    auxiliary_head=None)
