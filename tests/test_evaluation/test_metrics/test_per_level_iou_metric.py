"""PerLevelIoUMetric alone, against IoUs and Dice scores computed by hand."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.evaluation import PerLevelIoUMetric
from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.errors import ConfigError

LABEL = [[0, 0, 1], [1, 2, 255]]  # 255: ignored


def sample(accurate, label=LABEL, **levels) -> dict:
    """A predicted data sample as the evaluator hands it to the metric;
    ``levels``: ``l2=...`` or ``{'l2-l3': ...}``."""
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=torch.tensor([label]))
    s.pred_sem_seg = PixelData(data=torch.tensor([accurate]))
    for name, pred in levels.items():
        s.set_field(PixelData(data=torch.tensor([pred])),
                    Levels.parse(name).key)
    return s.to_dict()


def metric(classes=('a', 'b', 'c'), metrics=('mIoU', )) -> PerLevelIoUMetric:
    m = PerLevelIoUMetric(iou_metrics=list(metrics))
    m.dataset_meta = dict(classes=classes)
    return m


def test_accurate_and_every_level_scored_against_hand_computed_iou():
    m = metric()
    m.process({}, [
        sample([[0, 1, 1], [1, 2, 2]],
               l1=[[0, 0, 0], [0, 0, 0]],
               l2=[[0, 0, 1], [1, 2, 0]])
    ])
    scores = m.evaluate(1)
    # accurate: a 1/2, b 2/3, c 1/1 (the ignored pixel does not count)
    assert scores['mIoU'] == round(100 * (1 / 2 + 2 / 3 + 1) / 3, 2)
    # l1 says 'a' everywhere: a 2/5, b 0, c 0
    assert scores['l1.mIoU'] == round(100 * (2 / 5) / 3, 2)
    assert scores['l2.mIoU'] == 100.0
    assert 'l3.mIoU' not in scores


def test_areas_are_summed_over_images_before_the_ratio():
    m = metric()
    m.process({}, [sample([[0, 0, 1], [1, 2, 0]], l1=[[0, 0, 1], [1, 2, 0]])])
    m.process({}, [sample([[1, 1, 1], [1, 1, 1]], l1=[[0, 0, 0], [0, 0, 0]])])
    scores = m.evaluate(2)
    # accurate: a 2/4, b (2+2)/(2+5), c 1/(1+1)
    assert scores['mIoU'] == round(100 * (2 / 4 + 4 / 7 + 1 / 2) / 3, 2)
    # l1: a (2+2)/(2+5), b 2/(2+2), c 1/(1+1)
    assert scores['l1.mIoU'] == round(100 * (4 / 7 + 2 / 4 + 1 / 2) / 3, 2)


def test_without_level_predictions_it_is_iou_metric():
    m = metric()
    m.process({}, [sample([[0, 0, 1], [1, 2, 0]])])
    scores = m.evaluate(1)
    assert scores['mIoU'] == 100.0
    assert not any(key.startswith('l') for key in scores)


def test_means_of_levels_are_scored_under_their_names():
    m = metric()
    m.process({}, [sample([[0, 1, 1], [1, 2, 2]],
                          **{'l1': [[0, 0, 0], [0, 0, 0]],
                             'l1-l2': [[0, 0, 1], [1, 2, 0]]})])
    scores = m.evaluate(1)
    assert scores['l1-l2.mIoU'] == 100.0
    assert list(k for k in scores if k.endswith('.mIoU')) == [
        'l1.mIoU', 'l1-l2.mIoU']


def test_levels_are_listed_single_levels_first_then_by_size():
    m = metric()
    pred = [[0, 0, 1], [1, 2, 0]]
    m.process({}, [sample(pred, **{name: pred for name in (
        'l2-l4', 'l3', 'l1-l3', 'l10', 'l1-l2', 'l1')})])
    scores = m.evaluate(1)
    assert [k[:-len('.mIoU')] for k in scores if k.endswith('.mIoU')] == [
        'l1', 'l3', 'l10', 'l1-l2', 'l1-l3', 'l2-l4']


def test_dice_per_level_against_hand_computed_values():
    m = metric(metrics=('mIoU', 'mDice'))
    m.process({}, [sample([[0, 1, 1], [1, 2, 2]],
                          l1=[[0, 0, 0], [0, 0, 0]])])
    scores = m.evaluate(1)
    # Dice = 2|P&G| / (|P| + |G|) per class, the ignored pixel left out.
    # accurate: a 2*1/(1+2), b 2*2/(3+2), c 2*1/(1+1)
    assert scores['mDice'] == round(100 * (2 / 3 + 4 / 5 + 1) / 3, 2)
    # l1: a 2*2/(5+2), b 0/(0+2), c 0/(0+1)
    assert scores['l1.mDice'] == round(100 * (4 / 7) / 3, 2)
    assert scores['l1.mIoU'] == round(100 * (2 / 5) / 3, 2)
    assert 'Dice' not in scores  # three classes: no foreground


BINARY = [[0, 1, 1, 0], [1, 1, 0, 255]]


def test_binary_reports_the_foregrounds_own_dice_and_iou():
    m = metric(classes=('background', 'vessel'), metrics=('mIoU', 'mDice'))
    m.process({}, [sample([[0, 1, 0, 0], [1, 1, 1, 1]], label=BINARY,
                          l1=[[1, 1, 1, 1], [1, 1, 1, 1]])])
    scores = m.evaluate(1)
    # accurate, foreground: P = 4 pixels (the ignored one left out), G = 4,
    # P&G = 3: Dice 6/8, IoU 3/5; background: P 3, G 3, P&G 2.
    assert scores['Dice'] == 75.0
    assert scores['IoU'] == 60.0
    assert scores['mDice'] == round(100 * (3 / 4 + 4 / 6) / 2, 2)
    # l1 says foreground everywhere: P 7, G 4, P&G 4.
    assert scores['l1.Dice'] == round(100 * 8 / 11, 2)
    assert scores['l1.IoU'] == round(100 * 4 / 7, 2)


# Binary: 0 background, 1 vessel; the last column is outside the eye.
VESSELS = [[0, 1, 1, 0], [1, 1, 0, 1]]
FOV = [[1, 1, 1, 0], [1, 1, 1, 0]]


def test_fov_scores_count_only_pixels_inside_the_field_of_view():
    m = PerLevelIoUMetric(iou_metrics=['mIoU', 'mDice'], fov=True)
    m.dataset_meta = dict(classes=('background', 'vessel'))
    s = sample([[0, 1, 0, 1], [1, 0, 0, 0]], label=VESSELS,
               l1=[[1, 1, 1, 1], [1, 1, 1, 1]])
    s['fov_mask'] = np.array(FOV, bool)
    m.process({}, [s])
    scores = m.evaluate(1)
    # Inside the eye: TP 2, FN 2 (pixels (0,2), (1,1)), FP 0, TN 2.
    assert scores['fov.Dice'] == round(100 * 4 / 6, 2)
    assert scores['fov.IoU'] == 50.0
    assert scores['fov.Se'] == 50.0
    assert scores['fov.Sp'] == 100.0
    assert scores['fov.Acc'] == round(100 * 4 / 6, 2)
    # All pixels, as MMSeg counts them: one more FP (0,3), one more FN.
    assert scores['Dice'] == round(100 * 4 / 8, 2)
    # Level 1 says vessel everywhere: inside the eye TP 4, FP 2, TN 0.
    assert scores['l1.fov.Se'] == 100.0 and scores['l1.fov.Sp'] == 0.0
    assert scores['l1.fov.Dice'] == round(100 * 8 / 10, 2)


def test_fov_scores_need_the_mask_and_two_classes():
    m = PerLevelIoUMetric(fov=True)
    m.dataset_meta = dict(classes=('background', 'vessel'))
    with pytest.raises(ConfigError, match="add LoadFOVMask to the test "
                       "pipeline and 'fov_mask' to PackSegInputs' "
                       'meta_keys'):
        m.process({}, [sample(VESSELS, label=VESSELS)])
    m = PerLevelIoUMetric(fov=True)
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    with pytest.raises(ConfigError, match='the dataset has 3 classes'):
        m.process({}, [sample(LABEL)])
