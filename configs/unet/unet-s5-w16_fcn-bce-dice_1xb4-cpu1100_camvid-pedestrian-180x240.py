# The Car config's model and schedule (MMSeg's U-Net, width 16, the
# paper's BCE + Dice) on Pedestrian, a small class, against the rest of
# CamVid (classes=('background', 'Pedestrian'), void still ignored).
_base_ = ['./unet-s5-w16_fcn-bce-dice_1xb4-cpu1100_camvid-car-180x240.py']
dataset = dict(metainfo=dict(classes=('background', 'Pedestrian')))
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
train_cfg = dict(max_iters=1100)
