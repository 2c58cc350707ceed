# CHASE_DB1 as MMSeg's dataset base has it (128x128 crops, sliding-window
# tests), with the training labels resized on their image's pixels
# (./chase_db1.py), for one CPU core: batch 4, the data loaded in the
# training process, scored by mIoU and mDice per level with the vessels'
# own IoU and Dice.
_base_ = ['./chase_db1.py']
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(batch_size=4, **loader)
val_dataloader = loader
test_dataloader = val_dataloader
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
# Test-time flips (tools/test.py --tta): each test image and its mirror
# image, their class probabilities averaged (test_cfg.threshold, where set,
# applies to the mean: ../default_runtime.py). On CHASE_DB1's validation
# images the image 1.5 times larger as well scored no higher, at three
# times the test time. MMSeg's base has six scales and the flips, twelve
# test passes.
tta_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale={{_base_.img_scale}},
                  keep_ratio=True)],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadCheckedAnnotations', num_classes=2)],
            [dict(type='PackSegInputs')],
        ])
]
