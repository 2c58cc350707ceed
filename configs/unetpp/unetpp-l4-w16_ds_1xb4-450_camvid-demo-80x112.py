# The demo (`make demo`): UNet++ l4, width 16, deep supervision, trained
# on the generated CamVid-format demo data on a CPU.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/unetpp.py',
    '../_base_/datasets/camvid_demo.py', '../_base_/schedules/cpu_budget.py'
]
crop_size = (80, 112)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16, num_classes=11))
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_iters=450)
# The same run on the same machine gives the same numbers (seeded data
# order and initialisation, deterministic algorithms).
randomness = dict(seed=0, deterministic=True)
# --show-dir overlays: ground truth and prediction, drawn 4x larger with a
# class legend below each (no names written over the small regions).
visualizer = dict(
    type='SegLegendVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer',
    region_labels=False)
