"""What deep supervision adds to MMSeg's data structures: :class:`Levels`,
the one name of a level or mean of levels, and the ``SegDataSample`` field
of its prediction (``pred_sem_seg_l2``, ``pred_sem_seg_l2-l4``), written by
``DeepSupervisionEncoderDecoder`` and read by ``PerLevelIoUMetric``."""
from .levels import PREDICTION_PREFIX, Levels, level_runs

__all__ = ['PREDICTION_PREFIX', 'Levels', 'level_runs']
