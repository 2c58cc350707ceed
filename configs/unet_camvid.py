# The baseline's entry point: MMSeg's U-Net at width 32 on CamVid, same
# data and schedule as configs/unetpp_camvid.py. To inherit it from another
# project use the file it points to (`mmseg_unetpp::` needs a folder):
# _base_ = ['mmseg_unetpp::unet/unet-s5-w32_fcn_1xb8-40k_camvid-352x480.py']
_base_ = ['./unet/unet-s5-w32_fcn_1xb8-40k_camvid-352x480.py']
