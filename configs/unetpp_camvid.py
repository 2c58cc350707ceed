# The documented entry point: UNet++ l4, width 32, deep supervision on
# CamVid (python tools/train.py configs/unetpp_camvid.py [--amp]).
# To inherit it from another project use the file it points to:
# `mmseg_unetpp::` needs a folder in the path (MMEngine's rule), so
# _base_ = ['mmseg_unetpp::unetpp/unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
_base_ = ['./unetpp/unetpp-l4-w32_ds_1xb8-40k_camvid-352x480.py']
