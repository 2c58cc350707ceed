# The Car config's model and schedule (UNet++ l4, width 16, deep
# supervision, the paper's BCE + Dice on one sigmoid channel) on
# Pedestrian, a small class, against the rest of CamVid
# (classes=('background', 'Pedestrian'), void still ignored).
_base_ = ['./unetpp-l4-w16_ds-bce-dice_1xb4-cpu650_camvid-car-180x240.py']
dataset = dict(metainfo=dict(classes=('background', 'Pedestrian')))
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
train_cfg = dict(max_iters=700)
