# Fast mode: inference with sub-network l2 only (the backbone computes only
# the nodes with i + j <= 2). Training is unchanged (deep supervision).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, fast_level=2))
