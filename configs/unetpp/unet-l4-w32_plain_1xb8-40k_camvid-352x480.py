# Ablation: U-Net in the same code (skip_mode='plain': only X(i, 4-i)),
# one classifier on X(0,4).
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(
    backbone=dict(skip_mode='plain'),
    decode_head=dict(in_index=[0], loss_weights=[1.0]))
