from .unetpp import UNetPlusPlus

__all__ = ['UNetPlusPlus']
