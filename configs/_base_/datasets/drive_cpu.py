# DRIVE as MMSeg's dataset base has it (64x64 crops of the 15 training
# images, sliding-window tests), with the training labels resized on their
# image's pixels (./drive.py), for one CPU core: batch 4, the data loaded
# in the training process, scored by mIoU and mDice per level with the
# vessels' own IoU and Dice.
_base_ = ['./drive.py']
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(batch_size=4, **loader)
val_dataloader = loader
test_dataloader = val_dataloader
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
# Test-time flips (tools/test.py --tta): each test image and its mirror
# image, their class probabilities averaged (test_cfg.threshold, where set,
# applies to the mean: ../default_runtime.py). On DRIVE's validation images
# they raised the vessel Dice of the whole-image test by 0.2-0.4, at twice
# its time; the image 1.5 times larger as well scored no higher. MMSeg's
# base has six scales and the flips, twelve test passes.
tta_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadCheckedAnnotations', num_classes=2)],
            [dict(type='PackSegInputs')],
        ])
]
