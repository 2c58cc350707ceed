# CPU budget run on DRIVE: UNet++ over ImageNet-pretrained EfficientNet-Lite0
# with a row at stride 2 for thin vessels (the nested decoder on the encoder's
# stride 2/4/8/16/32 features, 16/24/40/112/320 channels, nodes 48 wide; deep
# supervision on X(0,1)..X(0,4) at stride 2), the paper's loss on two softmax
# channels, 64x64 crops, batch 4, tested on the whole image padded to a
# multiple of 32. The CPU schedule (AdamW, 50-iteration warm-up, poly decay
# to the last iteration), one validation after the last iteration; the data
# loaded in the training process. 10000 iterations take about 45 minutes on
# one core at one thread.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_efficientnet-lite0_vessels.py',
    '../_base_/datasets/drive_cpu.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (64, 64)
# The whole image in one forward, padded to the encoder's stride (32) and
# cropped back, rather than MMSeg's 64x64 windows at stride 42: on DRIVE's
# validation images it scored higher (vessel Dice +0.39, +0.15 and +0.22 on
# three seeds' models) in under half the time.
model = dict(
    data_preprocessor=dict(
        size=crop_size, test_cfg=dict(_delete_=True, size_divisor=32)),
    test_cfg=dict(mode='whole'))
train_cfg = dict(max_iters=10000)
