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
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from torch.nn.modules.batchnorm import _BatchNorm

MIN_STAGES, MAX_STAGES = 2, 7
SKIP_MODES = ('dense', 'nested', 'plain')
DOWNSAMPLE_MODES = ('maxpool', 'strided_conv')
INTERP_UPSAMPLE = ('bilinear', 'nearest')
LEARNED_UPSAMPLE = ('InterpConv', 'DeconvModule')


class NodeBlock(BaseModule):
    """H of the paper: ``num_convs`` x (3x3 conv - norm - act).

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


@MODELS.register_module()
class UNetPlusPlus(BaseModule):
    """UNet++ backbone: the nested grid of nodes X(i, j) with i + j <= L.

    ``L = num_stages - 1`` is the depth of the encoder. Nodes are built by
    the paper's rule::

        X(i, 0) = H(Down(X(i-1, 0)))                     (X(0, 0) = H(input))
        X(i, j) = H(concat(X(i, 0), ..., X(i, j-1), Up(X(i+1, j-1))))

    ``skip_mode`` selects the paper's ablation: ``'dense'`` (UNet++, above),
    ``'nested'`` (UNet+: X(i, j) takes only X(i, j-1) from its row) and
    ``'plain'`` (U-Net: only the nodes X(i, L-i) of the last diagonal exist;
    each takes X(i, 0) from its row).

    Any input size with both sides >= 2**L works: down-sampling floors odd
    sizes, and every up-sampled map is resized to the exact size of the row
    it joins, so nothing is cropped and every output has the input's size.
    With the parameter-free ``bilinear``/``nearest`` up-sampling this is one
    interpolation to the target size. ``InterpConv`` and ``DeconvModule``
    (MMSeg's learned 2x up-sampling) are followed by a bilinear resize only
    when their output differs from the row's size.

    Parameters: with ``bilinear``/``nearest`` (parameter-free) the counts are
    the paper's (L4, width 32: L1..L4 = 0.10/0.52/2.24/9.16 M). The learned
    modes have weights of their own and map ``C(i+1)`` to ``C(i)`` channels
    before the concatenation, which narrows every nested node's input:
    ``InterpConv`` (1x1 conv) gives 8.36 M in all, ``DeconvModule`` (4x4
    deconvolution) 11.80 M.

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
        num_convs (int): conv-norm-act layers per node. Default: 2.
        downsample (str): ``'maxpool'`` (2x2 max-pool, the paper's) or
            ``'strided_conv'`` (the first conv of X(i, 0) has stride 2).
        skip_mode (str): ``'dense'``, ``'nested'`` or ``'plain'``.
        eval_level (int, optional): Pruning. In eval mode compute only the
            nodes with ``i + j <= eval_level`` (1..L) and return
            X(0, 1) .. X(0, eval_level). Training always computes the whole
            grid, since every deep-supervision loss needs its output.
        return_encoder (bool): Also return the encoder features
            X(0, 0) .. X(L', 0) after the nested outputs. Default: False.
        with_cp (bool): Activation checkpointing of every node (same
            gradients, less memory, more compute). Default: False.
        conv_cfg (dict, optional): Conv layer config. Default: None.
        norm_cfg (dict, optional): Norm layer config (BN, SyncBN, GN, IN...).
            Default: ``dict(type='BN')``.
        act_cfg (dict, optional): Activation config. Default: ReLU.
        upsample_cfg (dict): ``dict(type='bilinear')`` (the paper's),
            ``dict(type='nearest')``, or MMSeg's ``dict(type='InterpConv')``
            / ``dict(type='DeconvModule')`` with their extra arguments.
        norm_eval (bool): Keep norm layers in eval mode (frozen statistics)
            while training. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config.

    Returns (from ``forward``):
        tuple[Tensor]: The deep-supervision taps X(0, 1), ..., X(0, k), each
        ``(N, C(0), H, W)`` for an ``(N, in_channels, H, W)`` input, where
        k = L (k = ``eval_level`` when pruned in eval); for ``'plain'`` only
        X(0, L). With ``return_encoder`` the encoder features
        X(0, 0), ..., X(k, 0) (``(N, C(i), H_i, W_i)``) follow.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 num_stages: int = 5,
                 channel_multipliers: Optional[Sequence[int]] = None,
                 stage_channels: Optional[Sequence[int]] = None,
                 num_convs: int = 2,
                 downsample: str = 'maxpool',
                 skip_mode: str = 'dense',
                 eval_level: Optional[int] = None,
                 return_encoder: bool = False,
                 with_cp: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: OptConfigType = dict(type='ReLU'),
                 upsample_cfg: ConfigType = dict(type='bilinear'),
                 norm_eval: bool = False,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not MIN_STAGES <= num_stages <= MAX_STAGES:
            raise ValueError(f'num_stages must be in {MIN_STAGES}..'
                             f'{MAX_STAGES}, got {num_stages}')
        if num_convs < 1:
            raise ValueError(f'num_convs must be >= 1, got {num_convs}')
        if downsample not in DOWNSAMPLE_MODES:
            raise ValueError(f'downsample must be one of {DOWNSAMPLE_MODES}, '
                             f'got {downsample!r}')
        if skip_mode not in SKIP_MODES:
            raise ValueError(f'skip_mode must be one of {SKIP_MODES}, got '
                             f'{skip_mode!r}')
        up_type = upsample_cfg.get('type')
        if up_type not in INTERP_UPSAMPLE + LEARNED_UPSAMPLE:
            raise ValueError(
                'upsample_cfg type must be one of '
                f'{INTERP_UPSAMPLE + LEARNED_UPSAMPLE}, got {up_type!r}')
        self.in_channels = in_channels
        self.num_levels = num_stages - 1
        self.stage_channels = self._resolve_channels(
            base_channels, num_stages, channel_multipliers, stage_channels)
        self.skip_mode = skip_mode
        self.return_encoder = return_encoder
        self.norm_eval = norm_eval
        self.upsample_mode = up_type if up_type in INTERP_UPSAMPLE else None
        self.eval_level = eval_level

        C = self.stage_channels
        node_cfg = dict(
            num_convs=num_convs,
            with_cp=with_cp,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        strided = downsample == 'strided_conv'
        self.pool = None if strided else nn.MaxPool2d(kernel_size=2)
        # The grid, keyed like the paper's figure: nodes['x_1_2'] is X(1,2);
        # ups['up_1_2'] up-samples X(2,1) into X(1,2) (learned modes only).
        self.nodes = nn.ModuleDict()
        self.ups = nn.ModuleDict()
        for i, j in self.node_ids:
            if j == 0:
                self.nodes[f'x_{i}_0'] = NodeBlock(
                    in_channels if i == 0 else C[i - 1],
                    C[i],
                    stride=2 if strided and i > 0 else 1,
                    **node_cfg)
                continue
            up_channels = C[i + 1]
            if self.upsample_mode is None:
                self.ups[f'up_{i}_{j}'] = MODELS.build(
                    upsample_cfg,
                    default_args=dict(
                        in_channels=C[i + 1],
                        out_channels=C[i],
                        with_cp=with_cp,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                up_channels = C[i]
            skip_channels = C[i] * len(self._skip_columns(i, j))
            self.nodes[f'x_{i}_{j}'] = NodeBlock(skip_channels + up_channels,
                                                 C[i], **node_cfg)

    @staticmethod
    def _resolve_channels(base_channels: int, num_stages: int,
                          channel_multipliers: Optional[Sequence[int]],
                          stage_channels: Optional[Sequence[int]]
                          ) -> Tuple[int, ...]:
        if stage_channels is not None:
            if channel_multipliers is not None:
                raise ValueError('give stage_channels or channel_multipliers, '
                                 'not both')
            if len(stage_channels) != num_stages:
                raise ValueError(
                    f'stage_channels must have num_stages={num_stages} '
                    f'entries, got {len(stage_channels)}: '
                    f'{list(stage_channels)}')
            return tuple(int(c) for c in stage_channels)
        if channel_multipliers is None:
            channel_multipliers = [2**i for i in range(num_stages)]
        if len(channel_multipliers) != num_stages:
            raise ValueError(
                f'channel_multipliers must have num_stages={num_stages} '
                f'entries, got {len(channel_multipliers)}: '
                f'{list(channel_multipliers)}')
        return tuple(base_channels * m for m in channel_multipliers)

    @property
    def eval_level(self) -> Optional[int]:
        """Pruning level k used in eval mode (None: the whole grid)."""
        return self._eval_level

    @eval_level.setter
    def eval_level(self, level: Optional[int]) -> None:
        L = self.num_levels
        if level is not None and not 1 <= level <= L:
            raise ValueError(f'eval_level must be None or in 1..{L} '
                             f'(num_stages - 1), got {level}')
        if level is not None and level < L and self.skip_mode == 'plain':
            raise ValueError(
                f"eval_level={level} prunes to a sub-network, but "
                f"skip_mode='plain' has only the level-{L} network; use "
                "'dense' or 'nested', or eval_level=None")
        self._eval_level = level

    @property
    def node_ids(self) -> List[Tuple[int, int]]:
        """(i, j) of every node, in an order where each node's inputs come
        first (column by column, top to bottom)."""
        L = self.num_levels
        ids = [(i, j) for j in range(L + 1) for i in range(L + 1 - j)]
        if self.skip_mode == 'plain':
            ids = [(i, j) for i, j in ids if j == 0 or i + j == L]
        return ids

    @property
    def level_sizes(self) -> Dict[int, int]:
        """Parameters of the sub-network of every level k (nodes with
        i + j <= k), as in the paper's pruning table."""
        return {
            k: sum(
                p.numel() for name, p in self.named_parameters()
                if self._param_level(name) <= k)
            for k in range(1, self.num_levels + 1)
        }

    @staticmethod
    def _param_level(name: str) -> int:
        """i + j of the node (or its up-sampling) that owns a parameter."""
        _, key = name.split('.')[:2]
        _, i, j = key.split('_')
        return int(i) + int(j)

    def _skip_columns(self, i: int, j: int) -> List[int]:
        """Columns of row i that X(i, j) concatenates (before the up)."""
        if self.skip_mode == 'dense':
            return list(range(j))
        if self.skip_mode == 'nested':
            return [j - 1]
        return [0]

    def node(self, i: int, j: int) -> NodeBlock:
        """The block H of node X(i, j)."""
        return self.nodes[f'x_{i}_{j}']

    def _up(self, i: int, j: int, x: torch.Tensor,
            size: torch.Size) -> torch.Tensor:
        """Up-sample ``x`` = X(i+1, j-1) to ``size``, the size of row i."""
        if self.upsample_mode is not None:
            return F.interpolate(
                x,
                size=size,
                mode=self.upsample_mode,
                align_corners=False if self.upsample_mode == 'bilinear' else
                None)
        x = self.ups[f'up_{i}_{j}'](x)
        if x.shape[2:] != size:
            x = F.interpolate(
                x, size=size, mode='bilinear', align_corners=False)
        return x

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

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(N, in_channels, H, W) -> tuple of (N, C(0), H, W); see class."""
        self._check_input(x)
        level = self.num_levels
        if not self.training and self.eval_level is not None:
            level = self.eval_level
        out: Dict[Tuple[int, int], torch.Tensor] = {}
        for i, j in self.node_ids:
            if i + j > level:  # pruning: only the nodes with i + j <= k
                continue
            if j == 0:
                if i > 0:
                    x = out[i - 1, 0]
                    x = self.pool(x) if self.pool is not None else x
                out[i, 0] = self.node(i, 0)(x)
                continue
            skips = [out[i, c] for c in self._skip_columns(i, j)]
            up = self._up(i, j, out[i + 1, j - 1], skips[0].shape[2:])
            out[i, j] = self.node(i, j)(torch.cat(skips + [up], dim=1))
        outs = tuple(out[0, j] for j in range(1, level + 1) if (0, j) in out)
        if self.return_encoder:
            outs += tuple(out[i, 0] for i in range(level + 1))
        return outs

    def train(self, mode: bool = True) -> 'UNetPlusPlus':
        """Set train mode; with ``norm_eval`` keep norm layers in eval."""
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
