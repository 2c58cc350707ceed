# The paper's loss on the 11 CamVid classes, on every branch: 0.5 x
# cross-entropy + 1.0 x Dice (SoftDiceLoss: softmax, void pixels left out,
# the mean of the classes' Dice). A binary task uses the same model base
# with two classes; the one-sigmoid-channel form is
# ../_base_/models/unetpp_bce-dice.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp_ce-dice.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
