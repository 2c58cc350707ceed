# UNet++ l4 (num_stages=5), width 32, deep supervision on X(0,1)..X(0,4).
# Its modules come from mmseg_unetpp: a config that uses this base with a
# runtime base other than ours needs
# custom_imports = dict(imports=['mmseg_unetpp'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # Test inputs with a side below 2**L = 16 are padded to 16 and the
    # prediction is cropped back to the image's size.
    test_cfg=dict(size=(16, 16)))
model = dict(
    type='DeepSupervisionEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='UNetPlusPlus',
        in_channels=3,
        base_channels=32,
        num_stages=5,
        num_convs=2,
        downsample='maxpool',
        skip_mode='dense',
        with_cp=False,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        upsample_cfg=dict(type='bilinear'),
        norm_eval=False),
    decode_head=dict(
        type='DeepSupervisionHead',
        in_channels=32,
        channels=32,
        in_index=[0, 1, 2, 3],
        num_convs=0,
        dropout_ratio=0.0,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_weights=[1.0, 1.0, 1.0, 1.0],
        fast_level=None,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
