from .loading import LoadCheckedAnnotations, LoadCheckedImageFromFile

__all__ = ['LoadCheckedAnnotations', 'LoadCheckedImageFromFile']
