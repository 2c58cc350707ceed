"""UNet++'s nested decoder as an MMSeg neck, over any backbone."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig

from ..utils import NestedDecoder
from ..utils.node_block import keep_norms_frozen


@MODELS.register_module()
class UNetPlusPlusNeck(BaseModule):
    """The nested decoder of UNet++ between a backbone and a
    ``DeepSupervisionHead``.

    The backbone's outputs are the encoder column X(0, 0) .. X(L, 0) of the
    paper's figure (finest first, of any channels and strides); the neck is
    a :class:`NestedDecoder` that computes every node of columns 1..L.
    Its outputs X(0, 1) .. X(0, L) are at the resolution of the finest
    encoder feature (stride 4 after a ResNet or MiT), whose heads' logits
    MMSeg resizes to the input. No decoder-only rows are added above the
    finest encoder row: at full resolution they would be the most expensive
    nodes of the grid without encoder features to fuse there.

    By default the nested nodes of row i have the encoder's width
    ``in_channels[i]``, as in the paper; ``channels`` sets other widths per
    row, so that a ResNet-50's 1024/2048-wide rows do not force nodes that
    wide.

    Args:
        in_channels (Sequence[int]): Channels of the encoder features
            X(0, 0) .. X(L, 0) (at least two rows).
        channels (int | Sequence[int], optional): Width of the nested nodes
            of rows 0 .. L-1. Default: ``in_channels[:L]``.
        norm_eval (bool): Keep norm layers in eval mode (frozen statistics)
            while training. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config.
        **decoder_cfg: The other :class:`NestedDecoder` arguments
            (``skip_mode``, ``upsample_cfg``, ``fast_cpu``) and those of
            its nodes (``num_convs``, ``conv_cfg``, ``norm_cfg``,
            ``act_cfg``, ``with_cp``, ``memory_efficient``).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: Union[int, Sequence[int], None] = None,
                 norm_eval: bool = False,
                 init_cfg: OptMultiConfig = None,
                 **decoder_cfg):
        super().__init__(init_cfg=init_cfg)
        self.decoder = NestedDecoder(in_channels, channels, **decoder_cfg)
        self.norm_eval = norm_eval

    @property
    def num_levels(self) -> int:
        """L, the number of encoder rows - 1."""
        return self.decoder.num_levels

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the sub-network of every level k."""
        return self.decoder.level_sizes

    def forward(self,
                inputs: Sequence[torch.Tensor],
                level: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
        """Encoder features X(0, 0) .. X(L, 0) -> X(0, 1) .. X(0, k).

        Args:
            inputs (Sequence[Tensor]): The backbone's outputs, finest first.
            level (int, optional): k: compute only the sub-network of level
                k (the nodes with i + j <= k). Default: the whole grid.
        """
        got = [x.shape[1] if x.dim() == 4 else tuple(x.shape) for x in inputs]
        if got != list(self.decoder.encoder_channels):
            raise ValueError(
                'UNetPlusPlusNeck in_channels='
                f'{list(self.decoder.encoder_channels)} do not match the '
                f'backbone outputs, whose channels are {got}; set the neck\'s '
                'in_channels to the backbone\'s output channels (in order, '
                'finest first)')
        return self.decoder(inputs, level)

    def train(self, mode: bool = True) -> 'UNetPlusPlusNeck':
        """Set train mode; with ``norm_eval`` keep norm layers in eval."""
        super().train(mode)
        if mode and self.norm_eval:
            keep_norms_frozen(self)
        return self
