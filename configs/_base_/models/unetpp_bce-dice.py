# UNet++ l4, width 32, deep supervision, for a binary task (foreground
# against background) with the paper's loss on every branch: one sigmoid
# channel (out_channels=1, num_classes=2, pixels above 0.5 are foreground)
# and 0.5 x binary cross-entropy + 1.0 x Dice (SoftDiceLoss: sigmoid,
# ignored pixels left out). Scored by mIoU and mDice, with the
# foreground's own IoU and Dice.
_base_ = ['./unetpp.py']
model = dict(
    decode_head=dict(
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=[
            dict(
                type='CrossEntropyLoss',
                use_sigmoid=True,
                avg_non_ignore=True,
                loss_weight=0.5),
            dict(type='SoftDiceLoss', loss_weight=1.0)
        ]))
