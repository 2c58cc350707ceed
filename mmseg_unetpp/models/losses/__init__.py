from .accuracy import pixel_accuracy
from .dice_loss import SoftDiceLoss
from .distillation_loss import DistillationLoss

__all__ = ['DistillationLoss', 'SoftDiceLoss', 'pixel_accuracy']
