# The paper's loss on the 11 CamVid classes, on every branch: 0.5 x
# cross-entropy + 1.0 x Dice (SoftDiceLoss: softmax, void pixels left out,
# the mean of the classes' Dice). A binary task uses one sigmoid channel
# instead: ../_base_/models/unetpp_bce-dice.py.
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=0.5),
        dict(type='SoftDiceLoss', loss_weight=1.0)
    ]))
