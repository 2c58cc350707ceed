"""CamVid in the 11-class SegNet layout."""
import os.path as osp
from typing import Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from ..utils.errors import ConfigError

CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Sidewalk', 'Tree',
           'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
"""The 11 evaluated classes; a class's id is its index here."""
VOID_ID = 11
"""Label id of void / unlabelled pixels in the SegNet layout."""
IGNORE_INDEX = 255
BACKGROUND = 'background'
"""First class of a one-vs-rest binary task (every other class)."""
PREPARE_HINT = (
    'prepare it with `python tools/dataset_converters/camvid.py convert '
    'RAW_CAMVID DATA_ROOT` (from the original release), point data_root at '
    'a SegNet-layout copy (train/ trainannot/ val/ valannot/ test/ '
    'testannot/), or generate the demo data with '
    '`python tools/make_demo_data.py DATA_ROOT`')


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid (Brostow et al., 2008), 11 classes, in SegNet's layout.

    ``data_root`` holds ``train/``, ``trainannot/``, ``val/``, ``valannot/``,
    ``test/``, ``testannot/`` (PNG images; PNG labels with one class id per
    pixel, same file names) and optionally ``train.txt``/``val.txt``/
    ``test.txt`` with one file stem per line (pass one as ``ann_file``).
    Label ids 0..10 are the classes below; the void label 11 is mapped to
    the ignore index 255 when annotations are loaded. Every sample records
    ``num_classes`` (of ``metainfo['classes']``) for
    ``LoadCheckedAnnotations``.

    Classes, as in MMSeg (``metainfo=dict(classes=...)``):

    - a subset, e.g. ``('Sky', 'Road', 'Car')``: those classes (ids 0, 1,
      2 in that order); the pixels of the others are ignored;
    - ``('background', NAME)``: a one-vs-rest binary task on the same data
      (no copy): NAME is class 1, every other class is class 0 (the
      background) and void stays ignored, e.g.
      ``('background', 'Pedestrian')``.

    Args:
        img_suffix (str): Image suffix. Default: '.png'.
        seg_map_suffix (str): Label suffix. Default: '.png'.
        **kwargs: ``BaseSegDataset`` arguments.
    """
    METAINFO = dict(
        classes=CLASSES,
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [0, 0, 192], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128],
                 [64, 64, 0], [0, 128, 192]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        data_root = kwargs.get('data_root')
        if data_root is not None and not osp.isdir(data_root):
            raise FileNotFoundError(
                f'CamVid data_root not found: {data_root}; {PREPARE_HINT}')
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls,
                      new_classes: Optional[Sequence] = None
                      ) -> Optional[dict]:
        """MMSeg's class-subset map (or a one-vs-rest map), plus void (11)
        -> ignore (255).

        Raises:
            ConfigError: naming the classes CamVid does not have.
        """
        if new_classes is not None:
            unknown = [
                c for c in new_classes
                if c not in CLASSES and not cls._one_vs_rest(new_classes)
            ]
            if unknown:
                raise ConfigError(
                    f'metainfo classes {tuple(unknown)} are not CamVid '
                    f'classes; CamVid has {", ".join(CLASSES)}, and '
                    f"classes=('{BACKGROUND}', NAME) makes NAME against the "
                    'rest a binary task')
        if cls._one_vs_rest(new_classes):
            foreground = CLASSES.index(new_classes[1])
            label_map = {i: int(i == foreground) for i in range(len(CLASSES))}
        else:
            label_map = super().get_label_map(new_classes) or {}
        label_map[VOID_ID] = IGNORE_INDEX
        return label_map

    @staticmethod
    def _one_vs_rest(classes: Optional[Sequence]) -> bool:
        return (classes is not None and len(classes) == 2
                and classes[0] == BACKGROUND and classes[1] in CLASSES)

    def _update_palette(self) -> list:
        """MMSeg's palette; black background for a one-vs-rest task."""
        metainfo = self.metainfo
        classes = metainfo.get('classes')
        palette = metainfo.get('palette', [])
        if self._one_vs_rest(classes) and len(palette) != 2:
            return [[0, 0, 0], list(palette[CLASSES.index(classes[1])])]
        return super()._update_palette()

    def load_data_list(self) -> list:
        """As ``BaseSegDataset``, after checking the folders exist, with
        ``num_classes`` in every sample."""
        for key in ('img_path', 'seg_map_path'):
            folder = self.data_prefix.get(key)
            if folder and not osp.isdir(folder):
                raise FileNotFoundError(
                    f'CamVid folder not found: {folder}; {PREPARE_HINT}')
        data_list = super().load_data_list()
        num_classes = len(self.metainfo['classes'])
        for data_info in data_list:
            data_info['num_classes'] = num_classes
        return data_list
