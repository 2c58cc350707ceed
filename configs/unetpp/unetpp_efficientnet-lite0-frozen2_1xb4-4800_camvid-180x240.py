# CPU budget run: UNet++ over ImageNet-pretrained EfficientNet-Lite0
# without deep supervision (one classifier on X(0, 3)), with the encoder's
# stem and its stride-2 and stride-4 blocks frozen (ImageNet weights and
# BN statistics kept); CamVid at 180x240, batch 4, 4800 iterations. The
# frozen blocks' backward is skipped, so a training step is shorter than
# MMSeg's FPN's on the whole encoder and the same budget trains more
# iterations; the stride-4 features still feed the nested decoder. The
# comparison with the stock decoders at equal time is in
# docs/en/advanced_guides/benchmarks.md.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(frozen_stages=2),
    decode_head=dict(num_classes=11, in_index=[2], loss_weights=[1.0]))
train_cfg = dict(max_iters=4800)
