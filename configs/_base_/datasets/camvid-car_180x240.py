# A binary task made from CamVid without a copy of the data: Car (class
# 1) against every other class (class 0, 'background'), void still ignored
# (CamVidDataset with classes=('background', 'Car')). Frames at 180x240
# as in ./camvid_180x240.py. Scored by mIoU and mDice, with Car's own
# IoU and Dice.
_base_ = ['./camvid_180x240.py']
dataset = dict(metainfo=dict(classes=('background', 'Car')))
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
val_evaluator = dict(type='PerLevelIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
