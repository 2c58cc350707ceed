# CamVid at half resolution for CPU budgets: frames resized to 180x240,
# random resize 0.5-2.0, 176x240 crops (a multiple of 16, for MMSeg's UNet).
# Predictions are scored at the labels' full 360x480.
_base_ = ['./camvid.py']
img_scale = (240, 180)  # (w, h)
crop_size = (176, 240)  # (h, w)
train_pipeline = [
    # Each file decoded once (190 MB of images and labels in memory).
    dict(type='LoadCheckedImageFromFile', cache=True),
    dict(type='LoadCheckedAnnotations', cache=True),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
