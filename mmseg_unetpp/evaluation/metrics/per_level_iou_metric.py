"""IoU (and Dice) of the accurate prediction and of every level."""
from collections import OrderedDict
from typing import Dict, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...structures import Levels


@METRICS.register_module()
class PerLevelIoUMetric(IoUMetric):
    """``IoUMetric`` that also scores the prediction of every level and mean
    of levels (:class:`~mmseg_unetpp.structures.Levels`) a data sample
    holds (``pred_sem_seg_l2``, ``pred_sem_seg_l2-l4``).

    The metric asks for them (``per_level``): ``PerLevelPredictionHook``
    then makes ``DeepSupervisionEncoderDecoder`` (accurate mode) store
    them beside the accurate prediction during validation and testing, so
    one pass over the val set gives the trade-off of every pruning level.
    The accurate metrics keep IoUMetric's keys (``mIoU``, ``mDice``...);
    each other prediction adds ``l2.mIoU``, ``l2-l4.mIoU``... and a
    summary table is logged.

    With two classes (binary segmentation), ``'mDice'`` also reports the
    Dice of the foreground class (class 1) alone as ``Dice`` (and
    ``l2.Dice``), the score MMSeg's medical results give beside mDice;
    ``'mIoU'`` likewise adds the foreground ``IoU``.

    Args:
        **kwargs: ``IoUMetric`` arguments (``iou_metrics=['mIoU', 'mDice']``
            for both).
    """

    per_level = True  # asks the model for every level's prediction

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score the accurate prediction (as ``IoUMetric``) and the others;
        a result is ``(accurate_areas, {Levels: areas})``."""
        first = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        for k, data_sample in enumerate(data_samples):
            label = data_sample['gt_sem_seg']['data'].squeeze()
            others = {}
            for key, value in data_sample.items():
                levels = Levels.from_key(key)
                if levels is not None:
                    pred = value['data'].squeeze()
                    others[levels] = self.intersect_and_union(
                        pred, label.to(pred), num_classes, self.ignore_index)
            self.results[first + k] = (self.results[first + k], others)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """IoUMetric's metrics for the accurate prediction, plus
        ``l2.mIoU``, ``l2-l4.mIoU``... for every other prediction."""
        metrics = super().compute_metrics([r[0] for r in results])
        metrics.update(self._foreground([sum(a) for a in zip(
            *(r[0] for r in results))]))
        runs = sorted({levels for _, others in results for levels in others})
        if not runs:
            return metrics
        table = PrettyTable(['prediction'] + list(metrics))
        table.add_row(['accurate'] + list(metrics.values()))
        for levels in runs:
            areas = [sum(a) for a in zip(*(r[1][levels] for r in results))]
            summary = self.total_area_to_metrics(*areas, self.metrics,
                                                 self.nan_to_num, self.beta)
            scores = OrderedDict()
            for key, value in summary.items():
                score = 'aAcc' if key == 'aAcc' else 'm' + key
                scores[score] = np.round(np.nanmean(value) * 100, 2)
            scores.update(self._foreground(areas))
            table.add_row([levels.name] + list(scores.values()))
            metrics.update(
                {levels.metric_key(k): v
                 for k, v in scores.items()})
        print_log('per level results:\n' + table.get_string(),
                  MMLogger.get_current_instance())
        return metrics

    def _foreground(self, areas: list) -> Dict[str, float]:
        """Binary segmentation: the foreground class's own IoU and Dice
        (from total intersection, union, prediction and label areas)."""
        if len(self.dataset_meta['classes']) != 2:
            return {}
        intersect, union, pred, label = (float(a[1]) for a in areas)
        scores = {}
        if 'mIoU' in self.metrics:
            scores['IoU'] = round(100 * intersect / union, 2) if union \
                else float('nan')
        if 'mDice' in self.metrics:
            total = pred + label
            scores['Dice'] = round(200 * intersect / total, 2) if total \
                else float('nan')
        return scores

