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
train_cfg = dict(max_iters=2500)
