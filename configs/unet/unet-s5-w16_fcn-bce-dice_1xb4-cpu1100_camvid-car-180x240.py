# CPU budget baseline of a binary task: MMSeg's U-Net, width 16, with the
# paper's loss on its head and auxiliary head (one sigmoid channel,
# 0.5 x BCE + 1.0 x Dice); Car against the rest of CamVid at 180x240,
# batch 4.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unet.py',
    '../_base_/datasets/camvid-car_180x240.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
bce_dice = [
    dict(type='CrossEntropyLoss', use_sigmoid=True, avg_non_ignore=True,
         loss_weight=0.5),
    dict(type='SoftDiceLoss', loss_weight=1.0)
]
binary = dict(num_classes=2, out_channels=1, threshold=0.5)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16, loss_decode=bce_dice,
                     **binary),
    auxiliary_head=dict(
        in_channels=32,
        channels=16,
        loss_decode=[dict(loss, loss_weight=0.4 * loss['loss_weight'])
                     for loss in bce_dice],
        **binary))
train_cfg = dict(max_iters=1100)
