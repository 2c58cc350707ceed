"""SegLegendVisualizer: MMSeg's overlay, enlarged when small, with a legend
whose swatches carry the palette's colours."""
import mmcv
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.visualization import SegLegendVisualizer, draw_legend
from mmseg_unetpp.visualization.seg_legend_visualizer import PAD, SWATCH

CLASSES = ('Sky', 'Road', 'Car')
PALETTE = [[128, 128, 128], [128, 64, 128], [64, 0, 128]]


def sample(labels: np.ndarray) -> SegDataSample:
    data = SegDataSample()
    data.pred_sem_seg = PixelData(data=torch.from_numpy(labels)[None])
    return data


def draw(visualizer, image, labels, **kwargs):
    visualizer.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    visualizer.add_datasample('x', image, sample(labels), draw_gt=False,
                              with_labels=False, **kwargs)
    return visualizer.get_image()


def test_registered_as_a_visualizer():
    assert VISUALIZERS.get('SegLegendVisualizer') is SegLegendVisualizer


def test_overlay_blends_palette_at_opacity_and_enlarges_small_images():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    labels = np.zeros((30, 40), np.int64)
    labels[15:, :] = 1
    labels[20:25, 10:20] = 2
    vis = SegLegendVisualizer(name='blend', alpha=0.6, min_side=90)
    drawn = draw(vis, image, labels)
    assert vis.enlargement((30, 40)) == 3
    assert drawn.shape[1] == 120 and drawn.shape[0] > 90  # legend below
    big = mmcv.imresize(image, (120, 90), interpolation='bicubic')
    big_labels = labels.repeat(3, 0).repeat(3, 1)
    colours = np.array(PALETTE, np.uint8)[big_labels]
    expected = (big * 0.4 + colours * 0.6).astype(np.uint8)
    np.testing.assert_array_equal(drawn[:90], expected)


def test_large_images_are_drawn_at_their_size():
    image = np.zeros((360, 480, 3), np.uint8)
    drawn = draw(SegLegendVisualizer(name='large'), image,
                 np.ones((360, 480), np.int64))
    assert drawn.shape[1] == 480 and drawn.shape[0] > 360


def test_legend_swatches_have_palette_colours_and_shares():
    labels = np.array([[0, 0, 0, 1]] * 4)
    strip = draw_legend(labels, CLASSES, PALETTE, width=600)
    assert strip.shape[1] == 600 and strip.dtype == np.uint8
    centre = PAD + SWATCH // 2
    cell = None
    for k, colour in enumerate(PALETTE):
        xs = np.where(np.all(strip[centre] == colour, axis=1))[0]
        assert len(xs), k  # every class has its swatch
        cell = xs[0] if k == 1 else cell
    assert 0 < cell < 600


def test_gt_and_prediction_side_by_side_share_the_legend_height(tmp_path):
    vis = SegLegendVisualizer(name='pair', min_side=0)
    vis.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    data = sample(np.zeros((20, 30), np.int64))
    data.gt_sem_seg = PixelData(
        data=torch.from_numpy(np.full((20, 30), 2, np.int64))[None])
    out = str(tmp_path / 'pair.png')
    vis.add_datasample('pair', np.zeros((20, 30, 3), np.uint8), data,
                       with_labels=False, out_file=out)
    drawn = mmcv.imread(out)
    assert drawn.shape[1] == 60 and drawn.shape[0] > 20


def test_negative_min_side_is_refused():
    with pytest.raises(ValueError, match='min_side must be >= 0, got -1'):
        SegLegendVisualizer(name='bad', min_side=-1)
