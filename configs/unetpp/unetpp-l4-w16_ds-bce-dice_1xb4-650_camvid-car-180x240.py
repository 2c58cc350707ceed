# CPU budget run of a binary task: UNet++ l4, width 16, deep supervision,
# the paper's loss (one sigmoid channel, 0.5 x BCE + 1.0 x Dice); Car
# against the rest of CamVid at 180x240, batch 4.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp_bce-dice.py',
    '../_base_/datasets/camvid-car_180x240.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16))
train_cfg = dict(max_iters=650)
