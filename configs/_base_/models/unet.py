# The baseline: MMSeg's own U-Net (UNet backbone, FCN head + auxiliary FCN
# head, cross-entropy) at width 32. Its encoder needs sides divisible by 16,
# so test inputs are padded (test_cfg.size_divisor) and predictions cropped
# back; training crops must be multiples of 16.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']
data_preprocessor = dict(test_cfg=dict(size_divisor=16))
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(base_channels=32),
    decode_head=dict(in_channels=32, channels=32, num_classes=2),
    auxiliary_head=dict(in_channels=64, channels=32, num_classes=2),
    test_cfg=dict(mode='whole', _delete_=True))
