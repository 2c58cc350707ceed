from .loading import (
                      LoadCheckedAnnotations,
                      LoadCheckedImageFromFile,
                      LoadFOVMask,
)

__all__ = ['LoadCheckedAnnotations', 'LoadCheckedImageFromFile', 'LoadFOVMask']
