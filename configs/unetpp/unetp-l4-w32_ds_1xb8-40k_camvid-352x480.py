# Ablation: UNet+ (nested skip pathways without the dense connections).
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(backbone=dict(skip_mode='nested'))
