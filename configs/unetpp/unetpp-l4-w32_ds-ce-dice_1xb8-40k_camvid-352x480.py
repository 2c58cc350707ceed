# The paper's loss, 0.5 x cross-entropy + 1.0 x Dice, on every branch.
# (Binary tasks: out_channels=1 and CrossEntropyLoss(use_sigmoid=True) make
# the first term the paper's BCE.)
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.5),
        dict(type='DiceLoss', loss_weight=1.0)
    ]))
