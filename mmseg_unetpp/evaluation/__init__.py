from .metrics import PerLevelIoUMetric

__all__ = ['PerLevelIoUMetric']
