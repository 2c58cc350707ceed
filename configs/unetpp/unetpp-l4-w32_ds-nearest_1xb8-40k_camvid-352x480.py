# UNet++ l4, width 32, deep supervision, with nearest-neighbour
# up-sampling (also parameter-free) instead of bilinear.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(upsample_cfg=dict(type='nearest')),
    decode_head=dict(num_classes=11))
