# CPU budget baseline: MMSeg's FPN over ImageNet-pretrained
# EfficientNet-Lite0, CamVid at 180x240, batch 4, the same data and
# schedule as ../unetpp/unetpp_efficientnet-lite0_ds_1xb4-cpu4800_camvid-180x240.py.
# For a comparison at equal wall-clock, let
# tools/analysis_tools/side_by_side.py set max_iters for both.
_base_ = [
    'mmseg::_base_/default_runtime.py',
    '../_base_/models/fpn_efficientnet-lite0.py',
    '../_base_/datasets/camvid_180x240.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (176, 240)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    neck=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=11, norm_cfg=norm_cfg))
train_cfg = dict(max_iters=4800)
