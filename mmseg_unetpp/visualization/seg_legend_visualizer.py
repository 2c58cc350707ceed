"""MMSeg's segmentation visualizer with a class legend and a minimum size."""
import math
from typing import List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.5
ROW_HEIGHT = 24
SWATCH = 16
PAD = 6
ABSENT = (150, 150, 150)


@VISUALIZERS.register_module()
class SegLegendVisualizer(SegLocalVisualizer):
    """``SegLocalVisualizer`` whose drawings read at a glance.

    Each drawn label map (prediction or ground truth) is MMSeg's overlay
    (``alpha`` blending of the palette colours, optional class names on the
    regions) with two additions:

    - images whose shorter side is below ``min_side`` are drawn enlarged by
      an integer factor (the image bicubic, the labels nearest), so that a
      small input is not a thumbnail;
    - a legend below the overlay lists every class with its colour and the
      share of pixels it covers; classes absent from the map are grey.
      Every class has a fixed place, so legends of several images (and of
      ground truth and prediction side by side) line up.

    Args:
        name (str): Name of the instance. Default: ``'visualizer'``.
        min_side (int): Shorter side, in pixels, below which drawings are
            enlarged. 0 disables. Default: 360.
        legend (bool): Draw the legend. Default: True.
        region_labels (bool, optional): Write class names on the regions
            (MMSeg's ``with_labels``). None follows the caller's
            ``with_labels`` (``SegVisualizationHook`` asks for them);
            False keeps small drawings clear, the legend naming the
            classes. Default: None.
        **kwargs: ``SegLocalVisualizer`` arguments (``alpha``,
            ``vis_backends``, ``save_dir``, ``classes``, ``palette``...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 min_side: int = 360,
                 legend: bool = True,
                 region_labels: Optional[bool] = None,
                 **kwargs):
        if min_side < 0:
            raise ValueError(f'min_side must be >= 0, got {min_side}')
        super().__init__(name=name, **kwargs)
        self.min_side = min_side
        self.legend = legend
        self.region_labels = region_labels

    def _draw_sem_seg(self,
                      image: np.ndarray,
                      sem_seg: PixelData,
                      classes: Optional[List],
                      palette: Optional[List],
                      with_labels: Optional[bool] = True) -> np.ndarray:
        """The overlay of ``sem_seg`` on ``image`` (RGB), enlarged when
        small, with the legend below it."""
        labels = np.asarray(sem_seg.cpu().data)[0].astype(np.int64)
        scale = self.enlargement(image.shape[:2])
        if scale > 1:
            size = (image.shape[1] * scale, image.shape[0] * scale)
            image = mmcv.imresize(image, size, interpolation='bicubic')
            labels = mmcv.imresize(labels.astype(np.uint8), size,
                                   interpolation='nearest').astype(np.int64)
            sem_seg = PixelData(data=labels[None])
        if self.region_labels is not None:
            with_labels = self.region_labels
        drawn = super()._draw_sem_seg(image, sem_seg, classes, palette,
                                      with_labels)
        if self.legend:
            drawn = np.concatenate(
                [drawn,
                 draw_legend(labels, classes, palette, drawn.shape[1])])
            self.set_image(drawn)
        return drawn

    def enlargement(self, size: Tuple[int, int]) -> int:
        """The integer factor that brings the shorter side of ``size`` to
        at least ``min_side`` (1 when it already is)."""
        if not self.min_side or min(size) >= self.min_side:
            return 1
        return math.ceil(self.min_side / min(size))


def draw_legend(labels: np.ndarray, classes: Sequence[str],
                palette: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """A legend strip: every class's colour, name and pixel share.

    Args:
        labels (np.ndarray): (H, W) label map (ids outside the classes,
            such as the ignore index, count towards no class).
        classes (Sequence[str]): Class names.
        palette (Sequence[Sequence[int]]): RGB colour of each class.
        width (int): Width of the strip in pixels.

    Returns:
        np.ndarray: (h, width, 3) uint8 RGB image, white background.
    """
    counts = np.bincount(labels[(labels >= 0) & (labels < len(classes))],
                         minlength=len(classes))
    shares = counts / max(labels.size, 1)
    texts = [
        str(name) if not count else
        f'{name} {100 * share:.0f}%' if share >= 0.005 else f'{name} <1%'
        for name, count, share in zip(classes, counts, shares)
    ]
    text_width = max(
        cv2.getTextSize(text, FONT, FONT_SCALE, 1)[0][0] for text in texts)
    cell = PAD + SWATCH + PAD + text_width + 2 * PAD
    columns = max(1, min(len(classes), width // cell))
    rows = math.ceil(len(classes) / columns)
    strip = np.full((rows * ROW_HEIGHT + PAD, width, 3), 255, np.uint8)
    for k, text in enumerate(texts):
        x = (k % columns) * cell + PAD
        y = (k // columns) * ROW_HEIGHT + PAD
        colour = tuple(int(c) for c in palette[k])
        cv2.rectangle(strip, (x, y), (x + SWATCH, y + SWATCH), colour, -1)
        cv2.rectangle(strip, (x, y), (x + SWATCH, y + SWATCH), (0, 0, 0), 1)
        ink = (0, 0, 0) if counts[k] else ABSENT
        cv2.putText(strip, text, (x + SWATCH + PAD, y + SWATCH - 3), FONT,
                    FONT_SCALE, ink, 1, cv2.LINE_AA)
    return strip
