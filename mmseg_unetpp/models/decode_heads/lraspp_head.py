"""LR-ASPP with a global image pool, for inputs of any size."""
import torch.nn as nn
from mmseg.models.decode_heads import LRASPPHead
from mmseg.registry import MODELS


@MODELS.register_module()
class GlobalPoolLRASPPHead(LRASPPHead):
    """MMSeg's ``LRASPPHead`` whose image pool averages the whole feature
    map.

    MMSeg's head pools with a fixed 49x49 kernel at stride (16, 20), the
    pool of the MobileNetV3 paper for 1024x2048 Cityscapes crops; on a
    feature map smaller than 49x49 (CamVid at 180x240 gives 6x8 at stride
    32) it fails. On a map of exactly 49x49 both pools are the global mean,
    so the two heads give equal outputs there.

    Args:
        branch_channels (tuple[int]): As ``LRASPPHead``. Default: (32, 64).
        **kwargs: ``BaseDecodeHead``'s arguments; ``input_transform`` must
            be ``'multiple_select'``.
    """

    def __init__(self, branch_channels=(32, 64), **kwargs) -> None:
        super().__init__(branch_channels=branch_channels, **kwargs)
        self.image_pool[0] = nn.AdaptiveAvgPool2d(1)
