# Ablation: U-Net in the same code (skip_mode='plain': only X(i, 4-i)),
# one classifier on X(0,4).
_base_ = ['../unetpp_camvid.py']
model = dict(
    backbone=dict(skip_mode='plain'),
    decode_head=dict(in_index=[0], loss_weights=[1.0]))
