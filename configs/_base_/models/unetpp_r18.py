# UNet++ over ResNetV1c-18: the nested decoder (UNetPlusPlusNeck) on the
# encoder's stride 4/8/16/32 features, deep supervision on X(0,1)..X(0,3)
# (stride 4; the head resizes its logits to the input). The encoder starts
# from MMSeg's ImageNet-pretrained weights.
_base_ = ['./unetpp.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    neck=dict(
        type='UNetPlusPlusNeck',
        in_channels=[64, 128, 256, 512],
        channels=[64, 128, 256],
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=64,
        channels=64,
        in_index=[0, 1, 2],
        loss_weights=[1.0, 1.0, 1.0]))
