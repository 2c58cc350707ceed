# CPU budget run: UNet++ over ResNetV1c-18 from random weights (no network
# for the pretrained ones), CamVid at 180x240, batch 4.
_base_ = [
    'mmseg::_base_/default_runtime.py', '../_base_/models/unetpp_r18.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg, init_cfg=None),
    neck=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=11, norm_cfg=norm_cfg))
max_iters = 2500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=50, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
