"""Code for tests and benchmarks, not needed to train or run a model."""
from .reference_unetpp import ReferenceUNetPlusPlus

__all__ = ['ReferenceUNetPlusPlus']
