# CPU budget run on DRIVE: the DRIVE config's model, data and inference
# (UNet++ l4, width 32, deep supervision, the paper's loss on two softmax
# channels, 64x64 crops, 64x64 windows at stride 42 run 16 per forward)
# with the CPU schedule (AdamW, 50-iteration warm-up, poly decay ending at
# train_cfg.max_iters, which tools/analysis_tools/side_by_side.py sets
# for a wall-clock budget: 3213 iterations in 1200 s on one core; one
# validation, after the last iteration), batch 4 on one core, the data
# loaded in the training process. The one-channel form of the loss is
# --cfg-options model.decode_head.out_channels=1
# model.decode_head.threshold=0.5
# model.decode_head.loss_decode.0.use_sigmoid=True
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/unetpp_ce-dice.py',
    '../_base_/datasets/drive_cpu.py',
    '../_base_/schedules/cpu_budget.py'
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(42, 42),
                  batch_windows=16))
train_cfg = dict(max_iters=3200)
