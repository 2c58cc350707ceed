# The DRIVE CPU budget run with two softmax channels: 0.5 x cross-entropy
# + 1.0 x Dice (the mean of background's and vessels' Dice) on every
# branch; model, data, schedule and inference as in the BCE + Dice config
# it inherits.
_base_ = ['./unetpp-l4-w32_ds-bce-dice_1xb4-cpu3200_drive-64x64.py']
model = dict(
    decode_head=dict(
        num_classes=2,
        out_channels=2,
        threshold=None,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.5),
            dict(type='SoftDiceLoss', loss_weight=1.0)
        ]))
