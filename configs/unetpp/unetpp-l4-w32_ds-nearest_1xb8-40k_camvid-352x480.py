# Same model with nearest-neighbour up-sampling (also parameter-free).
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(backbone=dict(upsample_cfg=dict(type='nearest')))
