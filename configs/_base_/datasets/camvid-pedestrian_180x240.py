# A binary task made from CamVid without a copy of the data: Pedestrian, a
# small class, against every other class (class 0, 'background'), void
# still ignored, as ./camvid-car_180x240.py does for Car.
_base_ = ['./camvid-car_180x240.py']
dataset = dict(metainfo=dict(classes=('background', 'Pedestrian')))
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
