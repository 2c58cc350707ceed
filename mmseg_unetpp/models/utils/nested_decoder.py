"""The nested decoder of UNet++ (Zhou et al., DLMIA 2018 / TMI 2019).

In the paper's figure the grid of nodes X(i, j) has the encoder in its first
column (j = 0, the down-sampling path) and the nested, densely connected
skip pathways in every other column::

      encoder  │            nested decoder (this module)
    X(0,0) ────┼─ X(0,1) ── X(0,2) ── X(0,3) ── X(0,4)   ← outputs
       │       │ ↗        ↗        ↗        ↗
    X(1,0) ────┼─ X(1,1) ── X(1,2) ── X(1,3)
       │       │ ↗        ↗        ↗
    X(2,0) ────┼─ X(2,1) ── X(2,2)
       │       │ ↗        ↗
    X(3,0) ────┼─ X(3,1)
       │       │ ↗
    X(4,0) ────┘

This module is the part right of the bar. ``UNetPlusPlus`` puts the paper's
encoder column in front of it, ``UNetPlusPlusNeck`` any MMSeg backbone. The
sub-network of level k is the grid's top-left triangle, the nodes with
i + j <= k; its output is X(0, k), and ``forward(encoder, level=k)``
computes that triangle alone.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType

from . import fast_path
from .fast_path import SplitConv, interpolate
from .node_block import NodeBlock, node_args

SKIP_MODES = ('dense', 'nested', 'plain')
INTERP_UPSAMPLE = ('bilinear', 'nearest')
LEARNED_UPSAMPLE = ('InterpConv', 'DeconvModule')

Grid = Dict[Tuple[int, int], torch.Tensor]


def one_per_row(values: Sequence[int], rows: int,
                name: str) -> Tuple[int, ...]:
    """``values`` as ints, one per row of the grid.

    Raises:
        ValueError: naming ``name`` unless there are ``rows`` values.
    """
    if len(values) != rows:
        raise ValueError(f'{name} must have one entry per row ({rows}), '
                         f'got {len(values)}: {list(values)}')
    return tuple(int(v) for v in values)


class NestedDecoder(BaseModule):
    """Columns 1..L of the UNet++ grid, computed by the paper's rule::

        X(i, j) = H(concat(X(i, 0), ..., X(i, j-1), Up(X(i+1, j-1))))

    with H = ``num_convs`` x (3x3 conv - norm - act) (:class:`NodeBlock`)
    and ``Up`` resizing to the exact size of row i, so any input size and
    any stride ratio between rows work. ``skip_mode`` selects the paper's
    ablation: ``'dense'`` (UNet++, above), ``'nested'`` (UNet+: X(i, j)
    takes only X(i, j-1) from its row) and ``'plain'`` (U-Net: only the
    nodes X(i, L-i) of the last diagonal exist, each taking X(i, 0)).

    Args:
        encoder_channels (Sequence[int]): Channels of the encoder column
            X(0, 0) .. X(L, 0) (at least two rows).
        channels (int | Sequence[int], optional): Width of the nested nodes
            of rows 0 .. L-1 (an int for every row). Default: the encoder's
            widths, as in the paper.
        skip_mode (str): ``'dense'``, ``'nested'`` or ``'plain'``.
        upsample_cfg (dict): ``dict(type='bilinear')`` (the paper's),
            ``dict(type='nearest')``, or MMSeg's ``dict(type='InterpConv')``
            / ``dict(type='DeconvModule')`` (learned 2x up-sampling to the
            width of the row it joins, then resized where sizes still
            differ) with their extra arguments.
        fast_cpu (bool): On a CPU, compute the grid by the fast path of
            :mod:`.fast_path` (channels_last; in training each node's share
            of its consumers' first convolutions in one convolution, no
            concatenation). Same outputs and gradients up to float
            rounding. Default: True.
        init_cfg (dict, optional): Initialization config.
        **node_cfg: The layers of every node H (:func:`node_args`):
            ``num_convs`` conv-norm-act layers (default 2) with
            ``conv_cfg``, ``norm_cfg`` (default BN) and ``act_cfg``
            (default ReLU); ``with_cp`` recomputes every node in backward
            (activation checkpointing); ``memory_efficient`` keeps for
            backward only each node's first convolution's output and runs
            the rest of the node (and on the fast path the up-sampling)
            again in backward. Same gradients either way.
    """

    def __init__(self,
                 encoder_channels: Sequence[int],
                 channels: Union[int, Sequence[int], None] = None,
                 skip_mode: str = 'dense',
                 upsample_cfg: ConfigType = dict(type='bilinear'),
                 fast_cpu: bool = True,
                 init_cfg: OptConfigType = None,
                 **node_cfg):
        super().__init__(init_cfg=init_cfg)
        nodes = node_args(**node_cfg)
        encoder_channels = tuple(int(c) for c in encoder_channels)
        if len(encoder_channels) < 2:
            raise ValueError('in_channels must list the channels of at least '
                             f'two encoder rows, got {list(encoder_channels)}')
        if skip_mode not in SKIP_MODES:
            raise ValueError(f'skip_mode must be one of {SKIP_MODES}, got '
                             f'{skip_mode!r}')
        up_type = upsample_cfg.get('type')
        if up_type not in INTERP_UPSAMPLE + LEARNED_UPSAMPLE:
            raise ValueError(
                'upsample_cfg type must be one of '
                f'{INTERP_UPSAMPLE + LEARNED_UPSAMPLE}, got {up_type!r}')
        self.num_levels = len(encoder_channels) - 1
        self.encoder_channels = encoder_channels
        self.channels = self._widths(channels)
        self.skip_mode = skip_mode
        self.fast_cpu = fast_cpu
        self.node_cfg = nodes  # what every node H is made of
        self.upsample_mode = up_type if up_type in INTERP_UPSAMPLE else None
        # The grid, keyed like the paper's figure: nodes['x_1_2'] is X(1,2);
        # ups['up_1_2'] up-samples X(2,1) into X(1,2) (learned modes only).
        self.nodes = nn.ModuleDict()
        self.ups = nn.ModuleDict()
        for i, j in self.node_ids:
            up_channels = self.width(i + 1, j - 1)
            if self.upsample_mode is None:
                self.ups[f'up_{i}_{j}'] = MODELS.build(
                    upsample_cfg,
                    default_args=dict(
                        in_channels=up_channels,
                        out_channels=self.channels[i],
                        with_cp=nodes['with_cp'],
                        norm_cfg=nodes['norm_cfg'],
                        act_cfg=nodes['act_cfg']))
                up_channels = self.channels[i]
            skip_channels = sum(
                self.width(i, c) for c in self.skip_columns(i, j))
            self.nodes[f'x_{i}_{j}'] = NodeBlock(skip_channels + up_channels,
                                                 self.channels[i], **nodes)

    def _widths(self, channels: Union[int, Sequence[int], None]
                ) -> Tuple[int, ...]:
        L = self.num_levels
        if channels is None:
            return self.encoder_channels[:L]
        if isinstance(channels, int):
            return (channels, ) * L
        return one_per_row(channels, L, f'channels (nested rows 0..{L - 1})')

    @property
    def node_ids(self) -> List[Tuple[int, int]]:
        """(i, j) of every nested node (j >= 1), in an order where each
        node's inputs come first (column by column, top to bottom)."""
        L = self.num_levels
        ids = [(i, j) for j in range(1, L + 1) for i in range(L + 1 - j)]
        if self.skip_mode == 'plain':
            ids = [(i, j) for i, j in ids if i + j == L]
        return ids

    def node(self, i: int, j: int) -> NodeBlock:
        """The block H of node X(i, j)."""
        return self.nodes[f'x_{i}_{j}']

    def width(self, i: int, j: int) -> int:
        """Channels of node X(i, j)."""
        return self.encoder_channels[i] if j == 0 else self.channels[i]

    def skip_columns(self, i: int, j: int) -> List[int]:
        """Columns of row i that X(i, j) concatenates (before the up)."""
        if self.skip_mode == 'dense':
            return list(range(j))
        if self.skip_mode == 'nested':
            return [j - 1]
        return [0]

    @property
    def splittable(self) -> bool:
        """Whether every node's first convolution can be split by input
        (:attr:`NodeBlock.splittable`), as the fast path does in training."""
        return all(node.splittable for node in self.nodes.values())

    def split_first_conv(self, i: int, j: int) -> SplitConv:
        """The first convolution of X(i, j) as one weight per input, in the
        order of its concatenation: X(i, c) for c in ``skip_columns(i, j)``,
        then Up(X(i+1, j-1)). The sum of their convolutions plus the bias
        is the convolution of the concatenation (if ``splittable``)."""
        conv = self.node(i, j).first_conv
        skips, start = {}, 0
        for c in self.skip_columns(i, j):
            skips[c] = conv.weight[:, start:start + self.width(i, c)]
            start += self.width(i, c)
        return SplitConv(skips, conv.weight[:, start:], conv.bias)

    def up(self, i: int, j: int, x: torch.Tensor,
           size: Sequence[int]) -> torch.Tensor:
        """Up-sample ``x`` = X(i+1, j-1) to ``size``, the size of row i."""
        if self.upsample_mode is not None:
            return interpolate(x, size, self.upsample_mode)
        x = self.ups[f'up_{i}_{j}'](x)
        if x.shape[2:] != size:
            x = F.interpolate(
                x, size=size, mode='bilinear', align_corners=False)
        return x

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the sub-network of every level k: the nodes with
        i + j <= k and their up-sampling (the paper's pruning table)."""
        sizes = dict.fromkeys(range(1, self.num_levels + 1), 0)
        for i, j in self.node_ids:
            parts = [self.node(i, j)]
            if self.upsample_mode is None:
                parts.append(self.ups[f'up_{i}_{j}'])
            count = sum(p.numel() for part in parts for p in part.parameters())
            for k in range(i + j, self.num_levels + 1):
                sizes[k] += count
        return sizes

    def resolve_level(self, level: Optional[int]) -> int:
        """``level`` checked against the grid; None means L (all of it)."""
        L = self.num_levels
        if level is None:
            return L
        if not 1 <= level <= L:
            raise ValueError(f'level must be in 1..{L} (the number of '
                             f'encoder rows - 1), got {level}')
        if level < L and self.skip_mode == 'plain':
            raise ValueError(
                f"level {level} is a sub-network, but skip_mode='plain' has "
                f"only the level-{L} network; use 'dense' or 'nested'")
        return level

    def forward(self,
                encoder: Sequence[torch.Tensor],
                level: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
        """X(0, 1) .. X(0, k) from the encoder column, computing only the
        nodes with i + j <= k.

        Args:
            encoder (Sequence[Tensor]): X(0, 0) .. X(m, 0) with m >= k,
                ``(N, encoder_channels[i], H_i, W_i)``.
            level (int, optional): k; None for the whole grid (k = L).

        Returns:
            tuple[Tensor]: X(0, 1) .. X(0, k), each ``(N, channels[0], H_0,
            W_0)``; for ``'plain'`` X(0, L) alone.
        """
        level = self.resolve_level(level)
        encoder = list(encoder[:level + 1])
        if self.fast_cpu and encoder[0].device.type == 'cpu':
            return fast_path.decode(self, encoder, level)
        return self.decode(encoder, level)

    def decode(self, encoder: Sequence[torch.Tensor],
               level: int) -> Tuple[torch.Tensor, ...]:
        """The paper's rule, node by node (see ``forward``)."""
        x: Grid = {(i, 0): feature for i, feature in enumerate(encoder)}
        for i, j in self.node_ids:
            if i + j > level:  # pruning: only the nodes with i + j <= k
                continue
            skips = [x[i, c] for c in self.skip_columns(i, j)]
            up = self.up(i, j, x[i + 1, j - 1], skips[0].shape[2:])
            x[i, j] = self.node(i, j)(torch.cat(skips + [up], dim=1))
        return self.outputs(x, level)

    def outputs(self, x: Grid, level: int) -> Tuple[torch.Tensor, ...]:
        """X(0, 1) .. X(0, level) of a computed grid."""
        return tuple(x[0, j] for j in range(1, level + 1) if (0, j) in x)
