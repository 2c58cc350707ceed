"""Ways to break a generated CamVid-format sample, as users' data breaks.

Each function rewrites one file in place.
"""
from pathlib import Path

import numpy as np
from PIL import Image


def truncate(path: Path) -> None:
    """Keep the first half of the file (an interrupted copy)."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:len(data) // 2])


def raw_camvid_ids(label: Path) -> None:
    """Write ids 12..31 into a label, as in the raw 32-class CamVid."""
    ids = np.array(Image.open(label))
    ids.ravel()[:20] = np.arange(12, 32)
    Image.fromarray(ids).save(label)


def half_size(label: Path) -> None:
    """Replace a label by its half-size version."""
    ids = np.array(Image.open(label))
    Image.fromarray(ids[::2, ::2]).save(label)


def grayscale(image: Path) -> None:
    """Store an image as 8-bit grayscale."""
    Image.open(image).convert('L').save(image)


def rgba(image: Path) -> None:
    """Store an image as RGBA."""
    Image.open(image).convert('RGBA').save(image)
