"""UNet++: nested dense skip pathways (Zhou et al., DLMIA 2018 / TMI 2019).

Node X(i, j) sits at depth row i (0 = full resolution) and column j. Column 0
is the encoder; every other node fuses the nodes to its left in the same row
with the up-sampled node diagonally below-left::

    X(0,0) ── X(0,1) ── X(0,2) ── X(0,3) ── X(0,4)
       │     ↗        ↗        ↗        ↗
    X(1,0) ── X(1,1) ── X(1,2) ── X(1,3)
       │     ↗        ↗        ↗
    X(2,0) ── X(2,1) ── X(2,2)
       │     ↗        ↗
    X(3,0) ── X(3,1)
       │     ↗
    X(4,0)

A sub-network of level k is the grid's top-left triangle, the nodes with
i + j <= k; its output is X(0, k). Pruning runs only that triangle.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig

from ..utils import NestedDecoder, NodeBlock
from ..utils.nested_decoder import one_per_row
from ..utils.node_block import keep_norms_frozen

MIN_STAGES, MAX_STAGES = 2, 7
DOWNSAMPLE_MODES = ('maxpool', 'strided_conv')


@MODELS.register_module()
class UNetPlusPlus(BaseModule):
    """UNet++ backbone: the paper's encoder column and its nested decoder.

    The whole grid of nodes X(i, j) with i + j <= L, ``L = num_stages - 1``:
    ``encoder`` holds the VGG-style column X(i, 0), ``decoder`` (a
    :class:`NestedDecoder`, the part ``UNetPlusPlusNeck`` puts on other
    backbones) the columns 1..L::

        X(i, 0) = H(Down(X(i-1, 0)))                     (X(0, 0) = H(input))
        X(i, j) = H(concat(X(i, 0), ..., X(i, j-1), Up(X(i+1, j-1))))

    ``skip_mode`` selects the paper's ablation: ``'dense'`` (UNet++, above),
    ``'nested'`` (UNet+: X(i, j) takes only X(i, j-1) from its row) and
    ``'plain'`` (U-Net: only the nodes X(i, L-i) of the last diagonal exist;
    each takes X(i, 0) from its row).

    Any input size with both sides >= 2**L works: down-sampling floors odd
    sizes, and every up-sampled map is resized to the exact size of the row
    it joins, so nothing is cropped and every output has the input's size.

    Parameters: with ``bilinear``/``nearest`` up-sampling the counts are the
    paper's (l4, width 32: l1..l4 = 0.10/0.52/2.24/9.16 M). The learned
    modes (``InterpConv``, ``DeconvModule``) have weights of their own and
    map ``C(i+1)`` to ``C(i)`` channels before the concatenation.

    Args:
        in_channels (int): Input image channels. Default: 3.
        base_channels (int): Channels of row 0. Default: 32.
        num_stages (int): Rows of the grid, ``L + 1``, in 2..7. Default: 5.
        channel_multipliers (Sequence[int], optional): Channels of row i are
            ``base_channels * channel_multipliers[i]``. Default: doubling,
            ``(1, 2, 4, ...)``.
        stage_channels (Sequence[int], optional): Explicit channels per row
            (length ``num_stages``); replaces ``base_channels`` and
            ``channel_multipliers``.
        downsample (str): ``'maxpool'`` (2x2 max-pool, the paper's) or
            ``'strided_conv'`` (the first conv of X(i, 0) has stride 2).
        return_encoder (bool): Also return the encoder features
            X(0, 0) .. X(k, 0) after the nested outputs. Default: False.
        norm_eval (bool): Keep norm layers in eval mode (frozen statistics)
            while training. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config.
        **decoder_cfg: The :class:`NestedDecoder` arguments (``skip_mode``,
            ``upsample_cfg``, ``fast_cpu``) and those of every node
            (``num_convs``, ``conv_cfg``, ``norm_cfg``, ``act_cfg``,
            ``with_cp``, ``memory_efficient``), which the encoder's nodes
            share; with ``fast_cpu`` the encoder runs in channels_last on
            a CPU too.

    Returns (from ``forward``):
        tuple[Tensor]: The deep-supervision taps X(0, 1), ..., X(0, k), each
        ``(N, C(0), H, W)`` for an ``(N, in_channels, H, W)`` input (k = L,
        or the ``level`` asked for); for ``'plain'`` only X(0, L). With
        ``return_encoder`` the encoder features X(0, 0), ..., X(k, 0)
        (``(N, C(i), H_i, W_i)``) follow.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 num_stages: int = 5,
                 channel_multipliers: Optional[Sequence[int]] = None,
                 stage_channels: Optional[Sequence[int]] = None,
                 downsample: str = 'maxpool',
                 return_encoder: bool = False,
                 norm_eval: bool = False,
                 init_cfg: OptMultiConfig = None,
                 **decoder_cfg):
        super().__init__(init_cfg=init_cfg)
        if not MIN_STAGES <= num_stages <= MAX_STAGES:
            raise ValueError(f'num_stages must be in {MIN_STAGES}..'
                             f'{MAX_STAGES}, got {num_stages}')
        if downsample not in DOWNSAMPLE_MODES:
            raise ValueError(f'downsample must be one of {DOWNSAMPLE_MODES}, '
                             f'got {downsample!r}')
        stage_channels = self._resolve_channels(base_channels, num_stages,
                                                channel_multipliers,
                                                stage_channels)
        self.in_channels = in_channels
        self.stage_channels = stage_channels
        self.return_encoder = return_encoder
        self.norm_eval = norm_eval
        strided = downsample == 'strided_conv'
        self.pool = None if strided else nn.MaxPool2d(kernel_size=2)
        # The nested decoder is built (its weights drawn) before the encoder
        # column: changing the order changes the weights a seed gives
        # (test_a_seed_draws_the_decoder_first covers it). It is registered
        # second, so state_dict lists the encoder first.
        decoder = NestedDecoder(stage_channels, **decoder_cfg)
        self.encoder = nn.ModuleDict({
            f'x_{i}_0': NodeBlock(
                in_channels if i == 0 else stage_channels[i - 1],
                stage_channels[i],
                stride=2 if strided and i > 0 else 1,
                **decoder.node_cfg)
            for i in range(num_stages)
        })
        self.decoder = decoder

    @staticmethod
    def _resolve_channels(base_channels: int, num_stages: int,
                          channel_multipliers: Optional[Sequence[int]],
                          stage_channels: Optional[Sequence[int]]
                          ) -> Tuple[int, ...]:
        if stage_channels is not None:
            if channel_multipliers is not None:
                raise ValueError('give stage_channels or channel_multipliers, '
                                 'not both')
            return one_per_row(stage_channels, num_stages, 'stage_channels')
        if channel_multipliers is None:
            channel_multipliers = [2**i for i in range(num_stages)]
        multipliers = one_per_row(channel_multipliers, num_stages,
                                  'channel_multipliers')
        return tuple(base_channels * m for m in multipliers)

    @property
    def num_levels(self) -> int:
        """L, the number of rows - 1."""
        return self.decoder.num_levels

    def node(self, i: int, j: int) -> NodeBlock:
        """The block H of node X(i, j), in the encoder column or not."""
        return self.encoder[f'x_{i}_0'] if j == 0 else self.decoder.node(i, j)

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the sub-network of every level k (the nodes with
        i + j <= k): as many as ``UNetPlusPlus(num_stages=k + 1)`` has."""
        sizes = self.decoder.level_sizes
        for i in range(self.num_levels + 1):
            count = sum(p.numel() for p in self.node(i, 0).parameters())
            for k in sizes:
                if k >= i:
                    sizes[k] += count
        return sizes

    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'input must be (N, in_channels={self.in_channels}, H, W), '
                f'got shape {tuple(x.shape)}')
        min_side = 2**self.num_levels
        if min(x.shape[2:]) < min_side:
            raise ValueError(
                f'input sides must be >= 2**L = {min_side} for '
                f'num_stages={self.num_levels + 1}, got '
                f'{tuple(x.shape[2:])}')

    def forward(self,
                x: torch.Tensor,
                level: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
        """(N, in_channels, H, W) -> tuple of (N, C(0), H, W); see class.

        Args:
            x (Tensor): The images.
            level (int, optional): k: compute only the sub-network of level
                k (the nodes with i + j <= k; the encoder stops at row k).
                Default: the whole grid.
        """
        self._check_input(x)
        level = self.decoder.resolve_level(level)
        if self.decoder.fast_cpu and x.device.type == 'cpu':
            x = x.contiguous(memory_format=torch.channels_last)
        encoder: List[torch.Tensor] = []
        for i in range(level + 1):
            if i > 0:
                x = encoder[-1] if self.pool is None else self.pool(
                    encoder[-1])
            encoder.append(self.node(i, 0)(x))
        outs = self.decoder(encoder, level)
        if self.return_encoder:
            outs += tuple(encoder)
        return outs

    def train(self, mode: bool = True) -> 'UNetPlusPlus':
        """Set train mode; with ``norm_eval`` keep norm layers in eval."""
        super().train(mode)
        if mode and self.norm_eval:
            keep_norms_frozen(self)
        return self
