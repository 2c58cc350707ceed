# DRIVE as MMSeg's dataset base has it (64x64 crops of the 15 training
# images, sliding-window tests), with the training labels resized on their
# image's pixels (./drive.py), for one CPU core: batch 4, the data loaded
# in the training process, scored by mIoU and mDice per level with the
# vessels' own IoU and Dice.
_base_ = ['./drive.py']
# The loading steps check each file and keep it decoded in memory (15 MB),
# so that an iteration's four crops decode no PNG.
train_pipeline = [
    dict(type='LoadCheckedImageFromFile', cache=True),
    dict(type='LoadCheckedAnnotations', num_classes=2, cache=True),
    dict(
        type='RandomResize',
        scale={{_base_.img_scale}},
        ratio_range=(0.5, 2.0),
        keep_ratio=True,
        resize_type='CenteredResize'),
    dict(
        type='RandomCrop',
        crop_size={{_base_.crop_size}},
        cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    batch_size=4,
    dataset=dict(dataset=dict(pipeline=train_pipeline)),
    **loader)
val_dataloader = loader
test_dataloader = val_dataloader
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
