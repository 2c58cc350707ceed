from .deep_supervision_head import DeepSupervisionHead

__all__ = ['DeepSupervisionHead']
