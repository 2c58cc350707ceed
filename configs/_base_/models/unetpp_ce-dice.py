# UNet++ l4, width 32, deep supervision, for a binary task (foreground
# against background) with the paper's loss on two softmax channels, on
# every branch: 0.5 x cross-entropy (the binary cross-entropy of the two
# channels' logit difference) + 1.0 x Dice (SoftDiceLoss: the mean of the
# background's and the foreground's Dice, ignored pixels left out). Scored
# by mIoU and mDice, with the foreground's own IoU and Dice.
#
# The one-channel form (../models/unetpp_bce-dice.py: a sigmoid, the
# foreground's Dice alone) trains to over-segment: early in training its
# Dice term charges a missed foreground pixel several times a false one,
# and on CamVid-Car and DRIVE it scored below this form at equal time
# (docs/en/advanced_guides/benchmarks.md, "Which binary loss?").
_base_ = ['./unetpp.py']
model = dict(
    decode_head=dict(
        num_classes=2,
        loss_decode=[
            dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                avg_non_ignore=True,
                loss_weight=0.5),
            dict(type='SoftDiceLoss', loss_weight=1.0)
        ]))
