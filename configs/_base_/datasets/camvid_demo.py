# The synthetic CamVid-format demo data (tools/make_demo_data.py): 60 train
# and 15 val frames of 90x120 in the SegNet layout. Test = val.
_base_ = ['./camvid.py']
data_root = 'data/camvid_demo'
img_scale = (120, 90)  # (w, h)
crop_size = (80, 112)  # (h, w)
train_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadCheckedImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='val.txt',
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=test_pipeline))
