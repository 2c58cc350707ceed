# MMSeg's runtime plus the checks that keep a run from giving a silently
# wrong result, so that any tool (this package's or MMSeg's stock
# tools/train.py and test.py) runs a config the same way:
# - DataCheckHook: before the first iteration, the heads' num_classes
#   against the data, then every train and val sample decoded;
# - NonFiniteLossHook: training stops at the first NaN/inf loss, and
#   non-finite weights are never saved;
# - CheckpointMatchHook: a checkpoint (load_from, resume, test) must fit
#   the model; strict=False lets load_from fine-tune from another model;
# - SyncBuffersEveryIterHook: under DDP, BN statistics are averaged after
#   every iteration (nothing without DDP);
# - FusionSelectHook (deep supervision only): after each validation, accurate
#   mode averages the levels that scored best on it, saved with the model.
# The schedules write checkpoints atomically (backend 'atomic_local').
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_unetpp'], allow_failed_imports=False)
custom_hooks = [
    dict(type='DataCheckHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='CheckpointMatchHook'),
    dict(type='SyncBuffersEveryIterHook'),
    dict(type='FusionSelectHook'),
]
