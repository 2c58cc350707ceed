"""CamVid in the 11-class SegNet layout."""
import os.path as osp
from typing import Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Sidewalk', 'Tree',
           'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
"""The 11 evaluated classes; a class's id is its index here."""
VOID_ID = 11
"""Label id of void / unlabelled pixels in the SegNet layout."""
IGNORE_INDEX = 255
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
        """MMSeg's class-subset map, plus void (11) -> ignore (255)."""
        label_map = super().get_label_map(new_classes) or {}
        label_map[VOID_ID] = IGNORE_INDEX
        return label_map

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
