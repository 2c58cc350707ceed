from .per_level_iou_metric import PerLevelIoUMetric

__all__ = ['PerLevelIoUMetric']
