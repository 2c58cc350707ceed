# UNet++ over an ImageNet-pretrained ResNetV1c-50 on CamVid, 352x480 crops,
# batch 8 on one GPU, 40k iterations. The nested nodes are narrower than
# the encoder (channels=[64, 128, 256] against its 256, 512 and 1024): they
# do not inherit the 1024/2048-wide deep rows.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp_r18.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        depth=50,
        init_cfg=dict(checkpoint='open-mmlab://resnet50_v1c')),
    neck=dict(in_channels=[256, 512, 1024, 2048]),
    decode_head=dict(num_classes=11))
# The pretrained encoder learns 10x slower than the new decoder.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
