# MMSeg's U-Net (./unet.py) for a binary task with the paper's loss on its
# head and its auxiliary head: one sigmoid channel (out_channels=1,
# num_classes=2, pixels above 0.5 are foreground) and 0.5 x binary
# cross-entropy + 1.0 x Dice, the auxiliary head's weighted 0.4 as in
# MMSeg's U-Net.
_base_ = ['./unet.py']
bce_dice = [
    dict(type='CrossEntropyLoss', use_sigmoid=True, avg_non_ignore=True,
         loss_weight=0.5),
    dict(type='SoftDiceLoss', loss_weight=1.0)
]
binary = dict(num_classes=2, out_channels=1, threshold=0.5)
model = dict(
    decode_head=dict(loss_decode=bce_dice, **binary),
    auxiliary_head=dict(
        loss_decode=[dict(loss, loss_weight=0.4 * loss['loss_weight'])
                     for loss in bce_dice],
        **binary))
