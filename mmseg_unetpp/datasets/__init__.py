from .camvid import CamVidDataset
from .demo_data import make_camvid_demo

__all__ = ['CamVidDataset', 'make_camvid_demo']
