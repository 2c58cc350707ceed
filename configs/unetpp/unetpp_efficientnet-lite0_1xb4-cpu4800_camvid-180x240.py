# The same UNet++ over ImageNet-pretrained EfficientNet-Lite0 without deep
# supervision: one classifier on X(0, 3), trained alone. It is the more
# accurate choice when the pruned levels are not needed (the comparison
# is in docs/en/advanced_guides/experiments.md); with one branch there is
# no level to choose or prune.
_base_ = ['./unetpp_efficientnet-lite0_ds_1xb4-cpu4800_camvid-180x240.py']
model = dict(decode_head=dict(in_index=[2], loss_weights=[1.0]))
