# UNet++ over ImageNet-pretrained EfficientNet-Lite0 without deep
# supervision, with the encoder's stem and its stride-2 and stride-4
# blocks frozen (ImageNet weights and BN statistics kept). Their backward
# is skipped, so a training step is shorter than MMSeg's FPN's on the
# whole encoder and the same budget trains more iterations; the stride-4
# features still feed the nested decoder. The comparison with the stock
# decoders at equal time is in docs/en/advanced_guides/experiments.md.
_base_ = ['./unetpp_efficientnet-lite0_1xb4-cpu4800_camvid-180x240.py']
model = dict(backbone=dict(frozen_stages=2))
