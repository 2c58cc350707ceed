# Fast mode: inference with sub-network l2 only (the backbone computes only
# the nodes with i + j <= 2). Training is unchanged (deep supervision).
_base_ = ['./unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
model = dict(decode_head=dict(fast_level=2))
