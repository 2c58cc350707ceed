"""IoU of the accurate prediction and of every deep-supervision level."""
from collections import OrderedDict
from typing import Dict, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...structures import prediction_level


@METRICS.register_module()
class PerLevelIoUMetric(IoUMetric):
    """``IoUMetric`` that also scores every ``pred_sem_seg_l{k}``.

    ``DeepSupervisionEncoderDecoder`` (accurate mode, ``per_level=True``)
    stores each branch's prediction beside the accurate one, so one pass over
    the val set gives the trade-off of every pruning level. The accurate
    metrics keep IoUMetric's keys (``mIoU``...); each level adds
    ``l{k}.mIoU``... and a summary table is logged. Arguments are
    ``IoUMetric``'s.
    """

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score the accurate prediction (as ``IoUMetric``) and each
        level's; a result is ``(accurate_areas, {level: areas})``."""
        first = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        for k, data_sample in enumerate(data_samples):
            label = data_sample['gt_sem_seg']['data'].squeeze()
            levels = {}
            for key, value in data_sample.items():
                level = prediction_level(key)
                if level is not None:
                    pred = value['data'].squeeze()
                    levels[f'l{level}'] = self.intersect_and_union(
                        pred, label.to(pred), num_classes, self.ignore_index)
            self.results[first + k] = (self.results[first + k], levels)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """IoUMetric's metrics for the accurate prediction, plus
        ``l{k}.<metric>`` for every level."""
        metrics = super().compute_metrics([r[0] for r in results])
        levels = sorted({level for _, per in results for level in per},
                        key=lambda name: int(name[1:]))
        if not levels:
            return metrics
        table = PrettyTable(['prediction'] + list(metrics))
        table.add_row(['accurate'] + list(metrics.values()))
        for level in levels:
            areas = [sum(a) for a in zip(*(per[level] for _, per in results))]
            summary = self.total_area_to_metrics(*areas, self.metrics,
                                                 self.nan_to_num, self.beta)
            level_metrics = OrderedDict()
            for key, value in summary.items():
                name = key if key == 'aAcc' else 'm' + key
                level_metrics[name] = np.round(np.nanmean(value) * 100, 2)
            table.add_row([level] + list(level_metrics.values()))
            metrics.update(
                {f'{level}.{k}': v
                 for k, v in level_metrics.items()})
        print_log('per level results:\n' + table.get_string(),
                  MMLogger.get_current_instance())
        return metrics
