# CPU budget run: UNet++ over ImageNet-pretrained EfficientNet-Lite0,
# CamVid at 180x240, batch 4, 4800 iterations (about 40 min on one CPU
# core). Random init for comparison:
# --cfg-options model.backbone.pretrained=False
_base_ = [
    'mmseg::_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    neck=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=11, norm_cfg=norm_cfg))
max_iters = 4800
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=50, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
