# UNet++ l4, width 32, deep supervision (accurate mode), CamVid 11 classes,
# 352x480 crops, batch 8 on one GPU, 40k iterations. AMP: tools/train.py
# --amp. Per-level val mIoU (l1..l4 and accurate) is reported each val.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
