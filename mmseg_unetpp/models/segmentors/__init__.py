from .deep_supervision_encoder_decoder import DeepSupervisionEncoderDecoder
from .threshold_tta_model import ThresholdSegTTAModel

__all__ = ['DeepSupervisionEncoderDecoder', 'ThresholdSegTTAModel']
