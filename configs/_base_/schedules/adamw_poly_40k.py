# AdamW with a linear warm-up and poly decay, 40k iterations (UNet++ and
# U-Net train from scratch; Adam is the paper's optimiser). The poly decay
# has no `end`: MMEngine ends it at train_cfg.max_iters, so
# `--cfg-options train_cfg.max_iters=N` shortens the whole schedule.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=500,
         by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=500, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000,
                 val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Written after the validation of its iteration, so that a checkpoint
    # holds what that validation set (FusionSelectHook's levels); written to
    # a temporary file, then renamed: a run killed while saving leaves no
    # truncated checkpoint (a remote out_dir needs its own backend_args).
    checkpoint=dict(type='CheckpointAfterValHook', by_epoch=False,
                    interval=4000, max_keep_ckpts=2, save_best='mIoU',
                    backend_args=dict(backend='atomic_local')),
    # Val and test runs whose metric scores every level (PerLevelIoUMetric)
    # predict every level; other predictions compute only their own.
    per_level_prediction=dict(type='PerLevelPredictionHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    # The checks that keep a run from giving a silently wrong result. As
    # entries of this dict (merged key by key by a child config) they stay
    # when a config sets its own custom_hooks; switch one off by name:
    # default_hooks.data_check.enabled=False.
    # Before the first iteration, the heads' num_classes against the data,
    # then every train and val sample decoded.
    data_check=dict(type='DataCheckHook'),
    # Training stops at the first NaN/inf loss; non-finite weights are
    # never saved.
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # A checkpoint (load_from, resume, test) must fit the model;
    # strict=False lets load_from fine-tune from another model.
    checkpoint_match=dict(type='CheckpointMatchHook'),
    # Under DDP, BN statistics averaged after every iteration.
    sync_buffers=dict(type='SyncBuffersEveryIterHook'),
    # Deep supervision: after each validation, accurate mode averages the
    # levels that scored best on it, saved with the model.
    fusion_select=dict(type='FusionSelectHook'))
