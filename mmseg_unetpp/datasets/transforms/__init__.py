from .loading import (
                      LoadCheckedAnnotations,
                      LoadCheckedImageFromFile,
                      LoadFOVMask,
)
from .resize import CenteredResize

__all__ = [
    'CenteredResize', 'LoadCheckedAnnotations', 'LoadCheckedImageFromFile',
    'LoadFOVMask'
]
