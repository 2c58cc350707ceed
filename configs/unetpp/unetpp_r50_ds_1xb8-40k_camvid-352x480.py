# UNet++ over an ImageNet-pretrained ResNetV1c-50. The nested nodes are
# narrower than the encoder (channels=[64, 128, 256] against its 256, 512
# and 1024): they do not inherit the 1024/2048-wide deep rows.
_base_ = ['./unetpp_r18_ds_1xb8-40k_camvid-352x480.py']
model = dict(
    backbone=dict(
        depth=50,
        init_cfg=dict(checkpoint='open-mmlab://resnet50_v1c')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
