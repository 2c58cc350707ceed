# LR-ASPP (MobileNetV3's decoder) over the ImageNet-pretrained
# EfficientNet-Lite0 (weights from the `pretrained` extra): the attention
# branch on the stride-32 features (320 channels), the stride-8 and
# stride-4 features (40 and 24 channels) as its skips, 128 channels and
# branches of 32 and 64 as MMSeg's MobileNetV3 configs, cross-entropy.
# GlobalPoolLRASPPHead is MMSeg's LRASPPHead with a global image pool in
# place of its 49x49 pool, which needs feature maps of 49x49 or more.
_base_ = ['mmseg::_base_/models/lraspp_m-v3-d8.py']
norm_cfg = dict(type='SyncBN', eps=0.001, requires_grad=True)
model = dict(
    data_preprocessor=dict(
        mean=[127.0, 127.0, 127.0], std=[128.0, 128.0, 128.0]),
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='lite0',
        pretrained=True,
        out_indices=(1, 2, 3, 4)),
    decode_head=dict(
        type='GlobalPoolLRASPPHead',
        in_channels=(24, 40, 320),
        in_index=(0, 1, 3),
        norm_cfg=norm_cfg))
