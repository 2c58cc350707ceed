# UNet++ on DRIVE (retinal vessels against background), as MMSeg's
# configs/unet/ runs U-Net there: its DRIVE base config (the training labels
# resized on their pixels: ../_base_/datasets/), 64x64 crops, sliding-window
# inference (stride 42), 40k iterations, 4 GPUs x 4;
# UNet++ l4 width 32 with deep supervision and the paper's loss on two
# softmax channels (0.5 x cross-entropy + 1.0 x Dice).
# Scored by mIoU and mDice per level (with the vessels' own Dice).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_ce-dice.py',
    '../_base_/datasets/drive.py',
    '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(42, 42),
                  batch_windows=16))
train_dataloader = dict(batch_size=4)
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='mDice'))
