from .unetpp_neck import UNetPlusPlusNeck

__all__ = ['UNetPlusPlusNeck']
