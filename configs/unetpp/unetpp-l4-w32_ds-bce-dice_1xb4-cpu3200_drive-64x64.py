# CPU budget run on DRIVE: the DRIVE config's model, data and inference
# (UNet++ L4, width 32, deep supervision, 0.5 x BCE + 1.0 x Dice on one
# sigmoid channel, 64x64 crops, 64x64 windows at stride 42) with the CPU
# schedule (AdamW, 50-iteration warm-up, poly decay ending at
# train_cfg.max_iters, which tools/analysis_tools/side_by_side.py sets
# for a wall-clock budget; one validation, after the last iteration),
# batch 4 on one core, the data loaded in the training process.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_bce-dice.py',
    'mmseg::_base_/datasets/drive.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(42, 42),
                  batch_windows=16))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(batch_size=4, **loader)
val_dataloader = loader
test_dataloader = val_dataloader
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
train_cfg = dict(max_iters=3200)
