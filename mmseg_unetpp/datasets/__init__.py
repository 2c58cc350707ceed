from .camvid import CamVidDataset
from .demo_data import make_camvid_demo
from .sample_check import SampleReport, check_dataset_samples, check_samples
from .transforms import (
                         CenteredResize,
                         LoadCheckedAnnotations,
                         LoadCheckedImageFromFile,
                         LoadFOVMask,
)

__all__ = [
    'CamVidDataset', 'CenteredResize', 'LoadCheckedAnnotations',
    'LoadCheckedImageFromFile', 'LoadFOVMask',
    'SampleReport', 'check_dataset_samples', 'check_samples',
    'make_camvid_demo'
]
