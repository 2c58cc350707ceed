# The README's main job: UNet++ L4, width 16, deep supervision, trained on
# the synthetic demo data on CPU for a few minutes.
_base_ = [
    'mmseg::_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid_demo.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (80, 112)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16, num_classes=11,
                     norm_cfg=norm_cfg))
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_iters=450)
