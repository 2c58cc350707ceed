# CPU budget run: UNet++ over ImageNet-pretrained EfficientNet-Lite0,
# CamVid at 180x240, batch 4, 4800 iterations (about 40 min on one CPU
# core). Random init for comparison:
# --cfg-options model.backbone.pretrained=False
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
train_cfg = dict(max_iters=4800)
