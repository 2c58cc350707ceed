from .efficientnet_lite import EfficientNetLite
from .unetpp import UNetPlusPlus

__all__ = ['EfficientNetLite', 'UNetPlusPlus']
