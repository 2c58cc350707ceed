# UNet++ over ImageNet-pretrained EfficientNet-Lite0 on CamVid, 352x480
# crops, batch 8 on one GPU, 40k iterations.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
