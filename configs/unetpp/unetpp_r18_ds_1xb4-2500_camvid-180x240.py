# CPU budget run: UNet++ over ResNetV1c-18 from random weights (no network
# for the pretrained ones), CamVid at 180x240, batch 4.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp_r18.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None),
    decode_head=dict(num_classes=11))
train_cfg = dict(max_iters=2500)
