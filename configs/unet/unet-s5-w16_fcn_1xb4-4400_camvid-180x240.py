# CPU budget baseline: MMSeg's U-Net (FCN head + auxiliary head, CE), width
# 16, CamVid at 180x240, batch 4, 4400 iterations (about 40 min on one CPU
# core, the wall-clock budget of the UNet++ runs beside it).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unet.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16),
    decode_head=dict(
        in_channels=16, channels=16, num_classes=11),
    auxiliary_head=dict(
        in_channels=32, channels=16, num_classes=11))
train_cfg = dict(max_iters=4400)
