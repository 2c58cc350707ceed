# Ablation: UNet+ (nested skip pathways without the dense connections);
# otherwise as unetpp-l4-w32_ds_1xb8-40k.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(skip_mode='nested'),
    decode_head=dict(num_classes=11))
