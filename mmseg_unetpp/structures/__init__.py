"""Where the prediction of each level (``pred_sem_seg_l2``) and of each mean
of levels (``pred_sem_seg_l2-l4``) lives on a ``SegDataSample``: written by
``DeepSupervisionEncoderDecoder``, read by ``PerLevelIoUMetric``."""
from typing import Optional

PREDICTION_PREFIX = 'pred_sem_seg_'


def prediction_key(name: str) -> str:
    """The field of prediction ``name`` (``'l2'``, ``'l2-l4'``):
    ``pred_sem_seg_l2``."""
    return PREDICTION_PREFIX + name


def prediction_name(key: str) -> Optional[str]:
    """``'l2'`` for a field ``pred_sem_seg_l2`` (``'l2-l4'`` for
    ``pred_sem_seg_l2-l4``), else None."""
    name = key[len(PREDICTION_PREFIX):]
    if key.startswith(PREDICTION_PREFIX) and name.startswith('l'):
        return name
    return None


__all__ = ['PREDICTION_PREFIX', 'prediction_key', 'prediction_name']
