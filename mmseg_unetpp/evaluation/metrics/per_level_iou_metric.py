"""IoU (and Dice) of the accurate prediction and of every level."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...structures import Levels
from ...utils.errors import ConfigError


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

    With ``fov=True`` (binary segmentation of retinal images), the scores
    the vessel literature reports are added, counted inside the field of
    view alone: ``fov.Dice`` (F1), ``fov.IoU``, ``fov.Se`` (sensitivity),
    ``fov.Sp`` (specificity) and ``fov.Acc`` (accuracy), and
    ``l2.fov.Dice``... for every level. The mask comes from the pipeline:
    :class:`LoadFOVMask` reads it, and ``PackSegInputs`` carries it when
    its ``meta_keys`` name ``'fov_mask'``. MMSeg's all-pixel metrics stay
    as they are, so they compare with MMSeg's model zoo.

    Args:
        fov (bool): Add the field-of-view scores. Default: False.
        **kwargs: ``IoUMetric`` arguments (``iou_metrics=['mIoU', 'mDice']``
            for both).
    """

    per_level = True  # asks the model for every level's prediction

    def __init__(self, fov: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fov = fov

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score the accurate prediction (as ``IoUMetric``) and the others;
        a result is ``(accurate_areas, {Levels: areas}, {None or Levels:
        areas inside the field of view})``."""
        first = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        if self.fov and num_classes != 2:
            raise ConfigError(
                f'PerLevelIoUMetric(fov=True) scores binary segmentation '
                f'(vessels against background), but the dataset has '
                f'{num_classes} classes')
        for k, data_sample in enumerate(data_samples):
            label = data_sample['gt_sem_seg']['data'].squeeze()
            fov = self._fov_label(data_sample, label)
            predictions = {None: data_sample['pred_sem_seg']['data']}
            for key, value in data_sample.items():
                levels = Levels.from_key(key)
                if levels is not None:
                    predictions[levels] = value['data']
            others, inside = {}, {}
            for levels, pred in predictions.items():
                pred = pred.squeeze()
                if levels is not None:
                    others[levels] = self.intersect_and_union(
                        pred, label.to(pred), num_classes, self.ignore_index)
                if fov is not None:
                    inside[levels] = self.intersect_and_union(
                        pred, fov.to(pred), num_classes, self.ignore_index)
            self.results[first + k] = (self.results[first + k], others,
                                       inside)

    def _fov_label(self, data_sample: dict,
                   label: torch.Tensor) -> Optional[torch.Tensor]:
        """With ``fov``, the label with every pixel outside the field of
        view ignored."""
        if not self.fov:
            return None
        mask = data_sample.get('fov_mask')
        if mask is None:
            raise ConfigError(
                "PerLevelIoUMetric(fov=True) needs each sample's field-of-"
                'view mask: add LoadFOVMask to the test pipeline and '
                "'fov_mask' to PackSegInputs' meta_keys")
        mask = torch.as_tensor(np.asarray(mask), device=label.device)
        if tuple(mask.shape) != tuple(label.shape):
            raise ConfigError(
                f"{data_sample.get('img_path')}: field-of-view mask of shape "
                f'{tuple(mask.shape)} for a label map of shape '
                f'{tuple(label.shape)}; load the mask after any resize of '
                'the label map')
        return torch.where(mask.bool(), label,
                           torch.full_like(label, self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """IoUMetric's metrics for the accurate prediction, plus
        ``l2.mIoU``, ``l2-l4.mIoU``... for every other prediction."""
        metrics = super().compute_metrics([r[0] for r in results])
        metrics.update(self._foreground([sum(a) for a in zip(
            *(r[0] for r in results))]))
        inside = {}
        # The accurate prediction (None) first, then the levels in order.
        for levels in sorted({k for r in results for k in r[2]},
                             key=lambda k: (k is not None, k)):
            areas = [sum(a) for a in zip(*(r[2][levels] for r in results))]
            prefix = '' if levels is None else f'{levels.name}.'
            inside.update({f'{prefix}fov.{k}': v
                           for k, v in self._inside_fov(areas).items()})
        runs = sorted({levels for _, others, _ in results
                       for levels in others})
        if not runs:
            return {**metrics, **inside}
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
        return {**metrics, **inside}

    @staticmethod
    def _inside_fov(areas: list) -> Dict[str, float]:
        """Vessel Dice (F1), IoU, sensitivity, specificity and accuracy
        (percent) from the areas counted inside the field of view."""
        intersect, union, pred, label = (a.double() for a in areas)
        tp, tn = intersect[1], intersect[0]

        def percent(num, den) -> float:
            return round(100 * float(num / den), 2) if den else float('nan')

        return dict(Dice=percent(2 * tp, pred[1] + label[1]),
                    IoU=percent(tp, union[1]),
                    Se=percent(tp, label[1]),
                    Sp=percent(tn, label[0]),
                    Acc=percent(tp + tn, label[0] + label[1]))

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

