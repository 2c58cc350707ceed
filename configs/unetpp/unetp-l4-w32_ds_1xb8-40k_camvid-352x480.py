# Ablation: UNet+ (nested skip pathways without the dense connections).
_base_ = ['../unetpp_camvid.py']
model = dict(backbone=dict(skip_mode='nested'))
