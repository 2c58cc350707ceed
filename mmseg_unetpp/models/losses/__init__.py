from .dice_loss import SoftDiceLoss
from .distillation_loss import DistillationLoss

__all__ = ['DistillationLoss', 'SoftDiceLoss']
