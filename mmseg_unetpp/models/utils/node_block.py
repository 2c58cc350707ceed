"""H of the UNet++ paper: the conv-norm-act stack inside every node."""
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import OptConfigType


class NodeBlock(BaseModule):
    """``num_convs`` x (3x3 conv - norm - act): the function H of node X(i, j).

    Args:
        in_channels (int): Channels of the (concatenated) input.
        out_channels (int): Channels of the node.
        num_convs (int): Number of conv-norm-act layers.
        stride (int): Stride of the first conv (2 for strided down-sampling).
        with_cp (bool): Recompute the block in backward instead of storing
            its activations.
        conv_cfg, norm_cfg, act_cfg (dict | None): As in ``ConvModule``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_convs: int = 2,
                 stride: int = 1,
                 with_cp: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: OptConfigType = dict(type='ReLU')):
        super().__init__()
        self.with_cp = with_cp
        self.convs = nn.Sequential(*[
            ConvModule(
                in_channels if k == 0 else out_channels,
                out_channels,
                kernel_size=3,
                stride=stride if k == 0 else 1,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for k in range(num_convs)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) -> (N, out_channels, H/stride, W/stride)."""
        if self.with_cp and torch.is_grad_enabled() and self.training:
            return cp.checkpoint(self.convs, x, use_reentrant=False)
        return self.convs(x)
