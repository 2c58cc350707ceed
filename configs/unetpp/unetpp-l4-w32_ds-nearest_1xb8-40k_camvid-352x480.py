# Same model with nearest-neighbour up-sampling (also parameter-free).
_base_ = ['../unetpp_camvid.py']
model = dict(backbone=dict(upsample_cfg=dict(type='nearest')))
