"""A small synthetic CamVid-format dataset: road scenes drawn with shapes.

Every scene has CamVid's layout (sky above buildings and trees, a road with
sidewalks below) and objects of all 11 classes (poles with signs, fences,
cars, pedestrians, bicyclists) placed at random, each class with its own
colour distribution and texture, plus a few void (11) pixels. The same
seed gives byte-identical files.
"""
import os
import os.path as osp
from typing import Tuple

import mmcv
import numpy as np

from .camvid import VOID_ID as VOID

# Mean RGB colour of each class (0..10); pixels get per-object and
# per-pixel noise around it.
CLASS_COLOURS = np.array(
    [[150, 180, 220], [140, 100, 80], [200, 200, 150], [90, 90, 95],
     [170, 150, 130], [60, 130, 50], [230, 200, 40], [120, 90, 140],
     [200, 40, 40], [240, 160, 130], [40, 160, 200]],
    dtype=np.float32)
SPLITS = ('train', 'val')


class _Canvas:
    """An image and its label map, painted together."""

    def __init__(self, size: Tuple[int, int], rng: np.random.Generator):
        self.h, self.w = size
        self.rng = rng
        self.img = np.zeros((self.h, self.w, 3), np.float32)
        self.label = np.zeros((self.h, self.w), np.uint8)
        self.yy, self.xx = np.mgrid[0:self.h, 0:self.w]

    def paint(self, mask: np.ndarray, cls: int) -> None:
        """Fill ``mask`` with a noisy, textured colour of class ``cls``."""
        colour = CLASS_COLOURS[cls] + self.rng.normal(0, 12, 3)
        stripes = 10 * np.sin(self.yy * (0.5 + cls / 7) + self.xx * cls / 9)
        self.img[mask] = colour + stripes[mask, None]
        self.label[mask] = cls

    def rect(self, y0: float, y1: float, x0: float, x1: float,
             cls: int) -> None:
        mask = ((self.yy >= y0) & (self.yy < y1) & (self.xx >= x0) &
                (self.xx < x1))
        self.paint(mask, cls)

    def ellipse(self, cy: float, cx: float, ry: float, rx: float,
                cls: int) -> None:
        mask = ((self.yy - cy) / ry)**2 + ((self.xx - cx) / rx)**2 <= 1
        self.paint(mask, cls)


def draw_scene(size: Tuple[int, int],
               rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """One road scene.

    Returns:
        tuple: RGB image (H, W, 3) uint8 and label map (H, W) uint8 with
        ids 0..10 and 11 for void.
    """
    h, w = size
    c = _Canvas(size, rng)
    horizon = h * rng.uniform(0.35, 0.5)
    c.rect(0, horizon, 0, w, 0)  # sky
    x = 0.0
    while x < w:  # a skyline of buildings and trees
        width = w * rng.uniform(0.1, 0.3)
        top = horizon * rng.uniform(0.1, 0.7)
        if rng.random() < 0.65:
            c.rect(top, horizon + 1, x, x + width, 1)
        else:
            c.ellipse(top + (horizon - top) / 2, x + width / 2,
                      (horizon - top) / 2 + 2, width / 2 + 2, 5)
        x += width
    c.rect(horizon, h, 0, w, 3)  # road
    kerb = horizon + (h - horizon) * rng.uniform(0.15, 0.3)
    c.rect(horizon, kerb, 0, w, 4)  # far sidewalk
    left = rng.uniform(0.1, 0.25) * w
    near = c.yy > kerb + (c.xx / max(left, 1)) * (h - kerb)
    c.paint(near & (c.xx < left), 4)  # near sidewalk on the left
    if rng.random() < 0.7:
        fx = rng.uniform(0.3, 0.8) * w
        c.rect(kerb - h * 0.08, kerb, fx, fx + w * 0.25, 7)  # fence
    for _ in range(rng.integers(1, 3)):  # poles carrying signs
        px = rng.uniform(0.05, 0.95) * w
        c.rect(horizon - h * 0.25, kerb + 2, px, px + max(2, w * 0.015), 2)
        c.rect(horizon - h * 0.28, horizon - h * 0.18, px - w * 0.03,
               px + w * 0.04, 6)
    for _ in range(rng.integers(1, 4)):  # cars on the road
        cy = rng.uniform(kerb + 4, h - 6)
        cx = rng.uniform(0.1, 0.9) * w
        cw = w * rng.uniform(0.12, 0.22) * (0.5 + cy / h)
        c.rect(cy - cw * 0.45, cy, cx - cw / 2, cx + cw / 2, 8)
    for _ in range(rng.integers(1, 4)):  # pedestrians on the sidewalk
        cy = rng.uniform(horizon + 2, kerb)
        cx = rng.uniform(0.05, 0.95) * w
        c.ellipse(cy - h * 0.08, cx, h * 0.09, max(2.5, w * 0.025), 9)
        c.ellipse(cy - h * 0.19, cx, h * 0.03, max(2, w * 0.018), 9)  # head
    if rng.random() < 0.8:  # a bicyclist on the road
        cy = rng.uniform(kerb + 6, h - 4)
        cx = rng.uniform(0.1, 0.9) * w
        c.ellipse(cy - h * 0.05, cx, h * 0.06, w * 0.025, 10)
        c.ellipse(cy, cx, h * 0.03, w * 0.04, 10)
    void = rng.random((h, w)) < 0.01
    c.label[void] = VOID
    img = c.img + rng.normal(0, 6, c.img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), c.label


def make_camvid_demo(root: str,
                     num_train: int = 60,
                     num_val: int = 15,
                     size: Tuple[int, int] = (90, 120),
                     seed: int = 0) -> str:
    """Write a synthetic CamVid dataset in the SegNet layout.

    ``root/{train,val}/NAME.png`` (RGB), ``root/{train,val}annot/NAME.png``
    (ids 0..10, 11 void) and ``root/{train,val}.txt``. Existing complete
    output is kept (the files depend only on the arguments).

    Args:
        root (str): Output folder.
        num_train (int): Training frames. Default: 60.
        num_val (int): Validation frames. Default: 15.
        size (tuple[int, int]): Frame (H, W); CamVid's 360x480 scaled by
            1/4 by default, so H is not divisible by 16 either.
        seed (int): Random seed. Default: 0.

    Returns:
        str: ``root``.
    """
    counts = dict(train=num_train, val=num_val)
    rng = np.random.default_rng(seed)
    for split in SPLITS:
        stems = [f'demo_{split}_{k:04d}' for k in range(counts[split])]
        list_file = osp.join(root, f'{split}.txt')
        complete = osp.isfile(list_file) and all(
            osp.isfile(osp.join(root, f'{split}annot', f'{s}.png'))
            for s in stems)
        # Draw every scene even when skipping, so each split's frames do
        # not depend on whether the other split already exists.
        scenes = [draw_scene(size, rng) for _ in stems]
        if complete:
            continue
        os.makedirs(osp.join(root, split), exist_ok=True)
        os.makedirs(osp.join(root, f'{split}annot'), exist_ok=True)
        for stem, (img, label) in zip(stems, scenes):
            mmcv.imwrite(img[..., ::-1], osp.join(root, split, f'{stem}.png'))
            mmcv.imwrite(label, osp.join(root, f'{split}annot', f'{stem}.png'))
        with open(list_file, 'w') as f:
            f.write('\n'.join(stems) + '\n')
    return root
