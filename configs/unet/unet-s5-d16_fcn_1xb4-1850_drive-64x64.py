# CPU budget baseline on DRIVE: MMSeg's model-zoo U-Net config as it is
# (UNet-S5-D16, FCN head and auxiliary head, cross-entropy, SGD at 0.01
# with poly decay, 64x64 crops, 64x64 windows at stride 42), with BN for
# SyncBN, batch 4 on one core and the data loaded in the training process;
# as in ../_base_/models/unet.py, test images are padded to sides divisible
# by 16 (U-Net's encoder needs them) and the prediction is cropped back.
# The poly decay has no `end`, so it ends at train_cfg.max_iters (which
# tools/analysis_tools/side_by_side.py sets for a wall-clock budget); the
# model is validated once, after the last iteration. Scored like the
# UNet++ DRIVE configs: mIoU and mDice, with the vessels' own IoU and Dice.
_base_ = ['mmseg::unet/unet-s5-d16_fcn_4xb4-40k_drive-64x64.py']
custom_imports = dict(imports=['mmseg_unetpp'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(test_cfg=dict(size_divisor=16)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg),
    auxiliary_head=dict(norm_cfg=norm_cfg))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, by_epoch=False)
]
train_cfg = dict(max_iters=1850, val_interval=10**9)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=-1, save_last=True, max_keep_ckpts=1))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = loader
val_dataloader = loader
test_dataloader = val_dataloader
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
