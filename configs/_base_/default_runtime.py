# MMSeg's runtime with this package imported, so that any tool (this
# package's or MMSeg's stock tools/train.py and test.py) builds its modules.
# The checks that keep a run from giving a silently wrong result are named
# entries of default_hooks in the schedules (../schedules/adamw_poly_40k.py,
# which the other schedules inherit): default_hooks is where MMSeg's
# schedules keep their hooks, and MMEngine refuses a key that two bases of
# one config both define.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_unetpp'], allow_failed_imports=False)
# Test-time augmentation (tools/test.py --tta) as MMSeg merges it, with a
# two-class model's test_cfg.threshold kept.
tta_model = dict(type='ThresholdSegTTAModel')
