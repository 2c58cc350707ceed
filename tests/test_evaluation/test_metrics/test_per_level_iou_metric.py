"""PerLevelIoUMetric alone, against IoUs computed by hand."""
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.evaluation import PerLevelIoUMetric
from mmseg_unetpp.structures import level_prediction_key

LABEL = [[0, 0, 1], [1, 2, 255]]  # 255: ignored


def sample(accurate, **levels) -> dict:
    """A predicted data sample as the evaluator hands it to the metric."""
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=torch.tensor([LABEL]))
    s.pred_sem_seg = PixelData(data=torch.tensor([accurate]))
    for level, pred in levels.items():
        s.set_field(PixelData(data=torch.tensor([pred])),
                    level_prediction_key(int(level[1:])))
    return s.to_dict()


def metric() -> PerLevelIoUMetric:
    m = PerLevelIoUMetric(iou_metrics=['mIoU'])
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
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
