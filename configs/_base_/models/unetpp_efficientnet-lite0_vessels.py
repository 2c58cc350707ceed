# The retinal CPU recipe's model: UNet++ over ImageNet-pretrained
# EfficientNet-Lite0 (./unetpp_efficientnet-lite0.py) with a row at stride 2
# for thin vessels (the nested decoder on the encoder's stride 2/4/8/16/32
# features, 16/24/40/112/320 channels, nodes 48 wide; deep supervision on
# X(0,1)..X(0,4) at stride 2), the paper's loss on two softmax channels
# (0.5 x cross-entropy + 1.0 x Dice). A config sets the crop and windows.
_base_ = ['./unetpp_efficientnet-lite0.py']
model = dict(
    backbone=dict(out_indices=(0, 1, 2, 3, 4)),
    neck=dict(in_channels=[16, 24, 40, 112, 320], channels=48),
    decode_head=dict(
        num_classes=2,
        in_index=[0, 1, 2, 3],
        loss_weights=[1.0, 1.0, 1.0, 1.0],
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False,
                 avg_non_ignore=True, loss_weight=0.5),
            dict(type='SoftDiceLoss', loss_weight=1.0)
        ]))
