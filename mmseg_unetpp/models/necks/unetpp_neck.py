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

This module is the part right of the bar: it takes the encoder column
X(0,0) .. X(L,0) from any backbone and computes the nodes with j >= 1. A
sub-network of level k is the grid's top-left triangle, the nodes with
i + j <= k; its output is X(0, k). Pruning runs only that triangle.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils import NodeBlock

SKIP_MODES = ('dense', 'nested', 'plain')
INTERP_UPSAMPLE = ('bilinear', 'nearest')
LEARNED_UPSAMPLE = ('InterpConv', 'DeconvModule')


def interpolate(x: torch.Tensor, size: Sequence[int],
                mode: str) -> torch.Tensor:
    """Parameter-free up-sampling of ``x`` to ``size``."""
    return F.interpolate(
        x,
        size=size,
        mode=mode,
        align_corners=False if mode == 'bilinear' else None)


class UpsampleConv(torch.autograd.Function):
    """``conv2d(interpolate(x, size), weight, padding=1)`` that keeps ``x``,
    not the up-sampled map, for backward and up-samples it again there."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                size: Sequence[int], mode: str) -> torch.Tensor:
        ctx.size, ctx.mode = size, mode
        ctx.save_for_backward(x, weight)
        return F.conv2d(interpolate(x, size, mode), weight, padding=1)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        with torch.enable_grad():
            x = x.detach().requires_grad_()
            up = interpolate(x, ctx.size, ctx.mode)
        grad_up, grad_weight, _ = torch.ops.aten.convolution_backward(
            grad, up, weight, None, [1, 1], [1, 1], [1, 1], False, [0, 0],
            1, [True, ctx.needs_input_grad[1], False])
        grad_x, = torch.autograd.grad(up, x, grad_up)
        return grad_x, grad_weight, None, None


@MODELS.register_module()
class UNetPlusPlusNeck(BaseModule):
    """The nested decoder of UNet++ as an MMSeg neck, for any backbone.

    It sits between a backbone and a ``DeepSupervisionHead``: the backbone's
    outputs are the encoder column X(0, 0) .. X(L, 0) of the paper's figure
    (finest first, of any channels and strides), and this module computes
    every node of columns 1..L by the paper's rule::

        X(i, j) = H(concat(X(i, 0), ..., X(i, j-1), Up(X(i+1, j-1))))

    with H = ``num_convs`` x (3x3 conv - norm - act) and ``Up`` resizing to
    the exact size of row i (so any input size and any stride ratio work).
    ``skip_mode`` selects the paper's ablation: ``'dense'`` (UNet++, above),
    ``'nested'`` (UNet+: X(i, j) takes only X(i, j-1) from its row) and
    ``'plain'`` (U-Net: only the nodes X(i, L-i) of the last diagonal exist;
    each takes X(i, 0) from its row).

    The outputs X(0, 1) .. X(0, L) are at the resolution of the finest
    encoder feature: at stride 4 after a ResNet or MiT encoder, whose heads'
    logits MMSeg resizes to the input. No decoder-only rows are added above
    the finest encoder row: at full resolution they would be the most
    expensive nodes of the grid (row 0 holds about 40 % of the paper's
    UNet++ FLOPs) without encoder features to fuse there.

    Node widths: by default the nested nodes of row i have the encoder's
    width ``in_channels[i]``, as in the paper. ``channels`` sets narrower
    widths per row, so that a ResNet-50's 1024/2048-wide rows do not force
    nodes that wide.

    Args:
        in_channels (Sequence[int]): Channels of the encoder features
            X(0, 0) .. X(L, 0) (at least two rows).
        channels (int | Sequence[int], optional): Width of the nested nodes
            of rows 0 .. L-1 (an int for every row). Default:
            ``in_channels[:L]``.
        num_convs (int): conv-norm-act layers per node. Default: 2.
        skip_mode (str): ``'dense'``, ``'nested'`` or ``'plain'``.
        eval_level (int, optional): Pruning. In eval mode compute only the
            nodes with ``i + j <= eval_level`` (1..L) and return
            X(0, 1) .. X(0, eval_level). Training always computes the whole
            grid, since every deep-supervision loss needs its output.
        with_cp (bool): Activation checkpointing of every node (same
            gradients, less memory, more compute). Default: False.
        memory_efficient (bool): A memory-lean training mode: for backward
            each node keeps only its first convolution's output (and its
            own output); the rest of the node and the up-sampling run
            again in backward. Same gradients; see the README for its
            memory and time against the default and ``with_cp``.
            Default: False.
        conv_cfg (dict, optional): Conv layer config. Default: None.
        norm_cfg (dict, optional): Norm layer config (BN, SyncBN, GN, IN...).
            Default: ``dict(type='BN')``.
        act_cfg (dict, optional): Activation config. Default: ReLU.
        upsample_cfg (dict): ``dict(type='bilinear')`` (the paper's),
            ``dict(type='nearest')``, or MMSeg's ``dict(type='InterpConv')``
            / ``dict(type='DeconvModule')`` (learned 2x up-sampling to the
            width of the row it joins, then resized where the sizes still
            differ) with their extra arguments.
        norm_eval (bool): Keep norm layers in eval mode (frozen statistics)
            while training. Default: False.
        fast_cpu (bool): On a CPU, run the grid in channels_last memory
            format and, in training, compute each node's share of the first
            convolution of every later node of its row in one wider
            convolution instead of concatenating (see ``decode``). Same
            outputs and gradients up to float rounding. Default: True.
        init_cfg (dict | list[dict], optional): Initialization config.

    Returns (from ``forward``):
        tuple[Tensor]: X(0, 1), ..., X(0, k), each ``(N, channels[0], H0,
        W0)`` where ``(H0, W0)`` is the size of X(0, 0), k = L (k =
        ``eval_level`` when pruned in eval); for ``'plain'`` only X(0, L).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: Union[int, Sequence[int], None] = None,
                 num_convs: int = 2,
                 skip_mode: str = 'dense',
                 eval_level: Optional[int] = None,
                 with_cp: bool = False,
                 memory_efficient: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: OptConfigType = dict(type='ReLU'),
                 upsample_cfg: ConfigType = dict(type='bilinear'),
                 norm_eval: bool = False,
                 fast_cpu: bool = True,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        in_channels = [int(c) for c in in_channels]
        if len(in_channels) < 2:
            raise ValueError('in_channels must list the channels of at least '
                             f'two encoder rows, got {in_channels}')
        if num_convs < 1:
            raise ValueError(f'num_convs must be >= 1, got {num_convs}')
        if skip_mode not in SKIP_MODES:
            raise ValueError(f'skip_mode must be one of {SKIP_MODES}, got '
                             f'{skip_mode!r}')
        up_type = upsample_cfg.get('type')
        if up_type not in INTERP_UPSAMPLE + LEARNED_UPSAMPLE:
            raise ValueError(
                'upsample_cfg type must be one of '
                f'{INTERP_UPSAMPLE + LEARNED_UPSAMPLE}, got {up_type!r}')
        self.num_levels = len(in_channels) - 1
        self.encoder_channels = tuple(in_channels)
        self.channels = self._resolve_widths(channels)
        self.skip_mode = skip_mode
        self.norm_eval = norm_eval
        self.fast_cpu = fast_cpu
        self.upsample_mode = up_type if up_type in INTERP_UPSAMPLE else None
        self.eval_level = eval_level

        node_cfg = dict(
            num_convs=num_convs,
            with_cp=with_cp,
            memory_efficient=memory_efficient,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        # The grid, keyed like the paper's figure: nodes['x_1_2'] is X(1,2);
        # ups['up_1_2'] up-samples X(2,1) into X(1,2) (learned modes only).
        self.nodes = nn.ModuleDict()
        self.ups = nn.ModuleDict()
        for i, j in self.nested_ids:
            up_channels = self.width(i + 1, j - 1)
            if self.upsample_mode is None:
                self.ups[f'up_{i}_{j}'] = MODELS.build(
                    upsample_cfg,
                    default_args=dict(
                        in_channels=up_channels,
                        out_channels=self.channels[i],
                        with_cp=with_cp,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                up_channels = self.channels[i]
            skip_channels = sum(
                self.width(i, c) for c in self._skip_columns(i, j))
            self.nodes[f'x_{i}_{j}'] = NodeBlock(skip_channels + up_channels,
                                                 self.channels[i],
                                                 **node_cfg)

    def _resolve_widths(self, channels: Union[int, Sequence[int], None]
                        ) -> Tuple[int, ...]:
        L = self.num_levels
        if channels is None:
            return self.encoder_channels[:L]
        if isinstance(channels, int):
            return (channels, ) * L
        if len(channels) != L:
            raise ValueError(
                f'channels must have one width per nested row 0..{L - 1} '
                f'({L} entries for {L + 1} encoder rows), got '
                f'{list(channels)}')
        return tuple(int(c) for c in channels)

    def width(self, i: int, j: int) -> int:
        """Channels of node X(i, j)."""
        return self.encoder_channels[i] if j == 0 else self.channels[i]

    @property
    def eval_level(self) -> Optional[int]:
        """Pruning level k used in eval mode (None: the whole grid)."""
        return self._eval_level

    @eval_level.setter
    def eval_level(self, level: Optional[int]) -> None:
        L = self.num_levels
        if level is not None and not 1 <= level <= L:
            raise ValueError(f'eval_level must be None or in 1..{L} (the '
                             f'number of rows - 1), got {level}')
        if level is not None and level < L and self.skip_mode == 'plain':
            raise ValueError(
                f"eval_level={level} prunes to a sub-network, but "
                f"skip_mode='plain' has only the level-{L} network; use "
                "'dense' or 'nested', or eval_level=None")
        self._eval_level = level

    @property
    def active_level(self) -> int:
        """The level the next forward computes: ``eval_level`` in eval mode
        when set, else L."""
        if not self.training and self.eval_level is not None:
            return self.eval_level
        return self.num_levels

    @property
    def nested_ids(self) -> List[Tuple[int, int]]:
        """(i, j) of every nested node (j >= 1), in an order where each
        node's inputs come first (column by column, top to bottom)."""
        L = self.num_levels
        ids = [(i, j) for j in range(1, L + 1) for i in range(L + 1 - j)]
        if self.skip_mode == 'plain':
            ids = [(i, j) for i, j in ids if i + j == L]
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
            return interpolate(x, size, self.upsample_mode)
        x = self.ups[f'up_{i}_{j}'](x)
        if x.shape[2:] != size:
            x = F.interpolate(
                x, size=size, mode='bilinear', align_corners=False)
        return x

    def _check_inputs(self, inputs: Sequence[torch.Tensor]) -> None:
        got = [x.shape[1] if x.dim() == 4 else tuple(x.shape) for x in inputs]
        if got != list(self.encoder_channels):
            raise ValueError(
                f'{type(self).__name__} in_channels='
                f'{list(self.encoder_channels)} do not match the backbone '
                f'outputs, whose channels are {got}; set the neck\'s '
                'in_channels to the backbone\'s output channels (in order, '
                'finest first)')

    def decode(self, encoder: Sequence[torch.Tensor],
               level: int) -> Tuple[torch.Tensor, ...]:
        """X(0, 1) .. X(0, level) from the encoder rows X(0, 0) ..
        X(level, 0), computing only the nodes with i + j <= level.

        The first convolution of X(i, j) is linear in its concatenated
        input, so it is also the sum of one convolution per input: one for
        each X(i, c) it takes from its row and one for Up(X(i+1, j-1)).
        The fast CPU path in training uses this: as soon as a node is
        computed, one convolution as wide as all its consumers gives its
        share of each of them, and no concatenation is built or kept for
        backward. Elsewhere (eval, other devices, ``with_cp``, custom conv
        layers) each node concatenates its inputs, as in the paper.
        """
        encoder = encoder[:level + 1]
        fast = self.fast_cpu and encoder[0].device.type == 'cpu'
        if fast:
            encoder = [
                f.contiguous(memory_format=torch.channels_last)
                for f in encoder
            ]
        x: Dict[Tuple[int, int], torch.Tensor] = {
            (i, 0): feature
            for i, feature in enumerate(encoder)
        }
        split = (fast and self.training and torch.is_grad_enabled()
                 and self._splittable)
        # shares[i, j]: the sum of X(i, j)'s first-conv terms from its row
        shares: Dict[Tuple[int, int], torch.Tensor] = {}
        if split:
            for i in range(level + 1):
                self._share(i, 0, x[i, 0], level, shares)
        for i, j in self.nested_ids:
            if i + j > level:  # pruning: only the nodes with i + j <= k
                continue
            below = x[i + 1, j - 1]
            if split:
                x[i, j] = self._node_from_shares(i, j, shares.pop((i, j)),
                                                 below)
                self._share(i, j, x[i, j], level, shares)
            else:
                skips = [x[i, c] for c in self._skip_columns(i, j)]
                up = self._up(i, j, below, skips[0].shape[2:])
                x[i, j] = self.node(i, j)(torch.cat(skips + [up], dim=1))
        return tuple(x[0, j] for j in range(1, level + 1) if (0, j) in x)

    @property
    def _splittable(self) -> bool:
        """Whether every nested node starts with a plain 3x3 conv, padding
        1, followed by its norm and activation (what the split computes)."""
        for node in self.nodes.values():
            if node.with_cp:
                return False
            first = node.convs[0]
            conv = first.conv
            if (type(conv) is not nn.Conv2d or conv.kernel_size != (3, 3)
                    or conv.stride != (1, 1) or conv.padding != (1, 1)
                    or conv.dilation != (1, 1) or conv.groups != 1
                    or conv.padding_mode != 'zeros'
                    or first.order != ('conv', 'norm', 'act')):
                return False
        return True

    def _share(self, i: int, c: int, feature: torch.Tensor, level: int,
               shares: Dict[Tuple[int, int], torch.Tensor]) -> None:
        """Add X(i, c)'s term to the first conv of every later node of row i
        that takes it (with i + j <= level), in one convolution."""
        consumers = [
            j for j in range(c + 1, level - i + 1)
            if f'x_{i}_{j}' in self.nodes and c in self._skip_columns(i, j)
        ]
        if not consumers:
            return
        weights = []
        for j in consumers:
            columns = self._skip_columns(i, j)
            start = sum(self.width(i, cc) for cc in columns[:columns.index(c)])
            weight = self.node(i, j).convs[0].conv.weight
            weights.append(weight[:, start:start + self.width(i, c)])
        out = F.conv2d(feature, torch.cat(weights), padding=1)
        for j, term in zip(consumers,
                           out.split([w.shape[0] for w in weights], dim=1)):
            previous = shares.get((i, j))
            shares[i, j] = term if previous is None else previous + term

    def _node_from_shares(self, i: int, j: int, share: torch.Tensor,
                          below: torch.Tensor) -> torch.Tensor:
        """X(i, j) from its row's share of its first convolution and
        X(i+1, j-1), the node it up-samples."""
        node = self.node(i, j)
        conv = node.convs[0].conv
        up_channels = self.channels[i] if self.upsample_mode is None else \
            below.shape[1]
        weight = conv.weight[:, conv.weight.shape[1] - up_channels:]
        size = share.shape[2:]
        if node.memory_efficient and self.upsample_mode is not None:
            y = UpsampleConv.apply(below, weight, size, self.upsample_mode)
        else:
            y = F.conv2d(self._up(i, j, below, size), weight, padding=1)
        y = y + share
        if conv.bias is not None:
            y = y + conv.bias.view(1, -1, 1, 1)
        return node.finish(y)

    def forward(self,
                inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Encoder features X(0, 0) .. X(L, 0) -> X(0, 1) .. X(0, k)."""
        self._check_inputs(inputs)
        return self.decode(inputs, self.active_level)

    def train(self, mode: bool = True) -> 'UNetPlusPlusNeck':
        """Set train mode; with ``norm_eval`` keep norm layers in eval."""
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
