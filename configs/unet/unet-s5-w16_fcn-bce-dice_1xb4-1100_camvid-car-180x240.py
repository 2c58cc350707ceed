# CPU budget baseline of a binary task: MMSeg's U-Net, width 16, with the
# paper's loss on its head and auxiliary head (one sigmoid channel,
# 0.5 x BCE + 1.0 x Dice); Car against the rest of CamVid at 180x240,
# batch 4.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unet_bce-dice.py',
    '../_base_/datasets/camvid-car_180x240.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16))
train_cfg = dict(max_iters=1100)
