# UNet++ over SegFormer's MiT-B0: the nested decoder (UNetPlusPlusNeck) on
# the encoder's stride 4/8/16/32 features (32/64/160/256 channels), deep
# supervision on X(0,1)..X(0,3) (stride 4; the head resizes its logits to
# the input). The encoder starts from MMSeg's ImageNet-pretrained weights.
_base_ = ['./unetpp.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth'  # noqa
model = dict(
    # MiT's spatial-reduction attention (kernel 8 at stride 4) needs sides
    # of at least 32: smaller test images are padded to 32 and cropped back.
    data_preprocessor=dict(test_cfg=dict(size=(32, 32))),
    backbone=dict(
        _delete_=True,
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    neck=dict(
        type='UNetPlusPlusNeck',
        in_channels=[32, 64, 160, 256],
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=32,
        channels=32,
        in_index=[0, 1, 2],
        loss_weights=[1.0, 1.0, 1.0]))
