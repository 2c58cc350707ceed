# Baseline: MMSeg's U-Net (UNet backbone + FCN head + auxiliary head, CE) at
# width 32, same data and schedule as
# ../unetpp/unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unet.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))
