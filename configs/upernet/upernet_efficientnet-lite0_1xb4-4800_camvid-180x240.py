# CPU budget baseline: UPerNet (MMSeg's UPerHead) over the ImageNet-pretrained
# EfficientNet-Lite0, CamVid at 180x240, batch 4: the data and schedule of the
# FPN and UNet++ EfficientNet-Lite0 CPU configs. For a comparison at equal
# wall-clock, let tools/analysis_tools/side_by_side.py set max_iters.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/upernet_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
train_cfg = dict(max_iters=4800)
