from .deep_supervision_head import DeepSupervisionHead
from .lraspp_head import GlobalPoolLRASPPHead

__all__ = ['DeepSupervisionHead', 'GlobalPoolLRASPPHead']
