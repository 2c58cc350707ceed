from .deep_supervision_encoder_decoder import DeepSupervisionEncoderDecoder

__all__ = ['DeepSupervisionEncoderDecoder']
