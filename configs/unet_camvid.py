# Baseline: MMSeg's U-Net (UNet backbone + FCN head + auxiliary head, CE) at
# width 32, same data and schedule as unetpp_camvid.py.
_base_ = [
    'mmseg::_base_/default_runtime.py', './_base_/models/unet.py',
    './_base_/datasets/camvid.py', './_base_/schedules/adamw_poly_40k.py'
]
crop_size = (352, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'], _delete_=True)
test_evaluator = val_evaluator
