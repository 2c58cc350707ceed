# UNet++ over SegFormer's ImageNet-pretrained MiT-B0 encoder (strides 4, 8,
# 16, 32; 32/64/160/256 channels), deep supervision on X(0,1)..X(0,3),
# CamVid 11 classes, 352x480 crops, batch 8 on one GPU, 40k iterations.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp_mit-b0.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
# SegFormer's recipe: no weight decay on norms and position blocks; the
# pretrained encoder learns 10x slower than the new decoder.
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.)
        }))
