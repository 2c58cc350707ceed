# MMSeg's CHASE_DB1 base, its training labels resized on their image's pixels:
# MMSeg's Resize draws them about half a pixel low, which on thin vessels
# costs points of Dice (see mmseg_unetpp/datasets/transforms/resize.py).
_base_ = ['mmseg::_base_/datasets/chase_db1.py']
# The loading steps check each file and keep it decoded in memory (4 MB an
# image of 999x960 with its label, in each loading process),
# so that the crops of an iteration decode no PNG.
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
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
