# CPU budget run: UNet++ over ImageNet-pretrained EfficientNet-Lite0
# without deep supervision, one classifier on X(0, 3), trained alone;
# CamVid at 180x240, batch 4, 4800 iterations. It is the more accurate
# choice when the pruned levels are not needed (the comparison is in
# docs/en/advanced_guides/benchmarks.md); with one branch there is no
# level to choose or prune.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, in_index=[2], loss_weights=[1.0]))
train_cfg = dict(max_iters=4800)
