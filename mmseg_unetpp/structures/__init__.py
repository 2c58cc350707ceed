"""Where each level's prediction lives on a ``SegDataSample``: written by
``DeepSupervisionEncoderDecoder``, read by ``PerLevelIoUMetric``."""
from typing import Optional

LEVEL_PREDICTION_PREFIX = 'pred_sem_seg_l'


def level_prediction_key(level: int) -> str:
    """The field of level k's prediction: ``pred_sem_seg_l{k}``."""
    return f'{LEVEL_PREDICTION_PREFIX}{level}'


def prediction_level(key: str) -> Optional[int]:
    """k for a field ``pred_sem_seg_l{k}``, else None."""
    suffix = key[len(LEVEL_PREDICTION_PREFIX):]
    if key.startswith(LEVEL_PREDICTION_PREFIX) and suffix.isdigit():
        return int(suffix)
    return None


__all__ = [
    'LEVEL_PREDICTION_PREFIX', 'level_prediction_key', 'prediction_level'
]
