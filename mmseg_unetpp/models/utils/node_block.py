"""H of the UNet++ paper: the conv-norm-act stack inside every node.

**Recomputation in backward** (``with_cp``, ``memory_efficient``).
:func:`recompute_in_backward` is activation checkpointing that keeps batch
norm statistics right: the recomputation updates stand-in copies of the
running statistics, so the real ones move once per step.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import OptConfigType
from torch.nn.modules.batchnorm import _BatchNorm


def node_args(num_convs: int = 2,
              with_cp: bool = False,
              memory_efficient: bool = False,
              conv_cfg: OptConfigType = None,
              norm_cfg: OptConfigType = dict(type='BN'),
              act_cfg: OptConfigType = dict(type='ReLU')) -> dict:
    """The arguments every node H of a grid shares, checked, with their
    defaults (see :class:`NodeBlock`)."""
    if num_convs < 1:
        raise ValueError(f'num_convs must be >= 1, got {num_convs}')
    return dict(num_convs=num_convs, with_cp=with_cp,
                memory_efficient=memory_efficient, conv_cfg=conv_cfg,
                norm_cfg=norm_cfg, act_cfg=act_cfg)


class NodeBlock(BaseModule):
    """``num_convs`` x (3x3 conv - norm - act): the function H of node X(i, j).

    Args:
        in_channels (int): Channels of the (concatenated) input.
        out_channels (int): Channels of the node.
        num_convs (int): Number of conv-norm-act layers.
        stride (int): Stride of the first conv (2 for strided down-sampling).
        with_cp (bool): Recompute the whole block in backward instead of
            storing its activations (running statistics are updated once).
        memory_efficient (bool): Keep only the first convolution's output
            for backward and run the rest of the block (norms, activations,
            the other convolutions) again there.
        conv_cfg, norm_cfg, act_cfg (dict | None): As in ``ConvModule``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_convs: int = 2,
                 stride: int = 1,
                 with_cp: bool = False,
                 memory_efficient: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: OptConfigType = dict(type='ReLU')):
        super().__init__()
        self.with_cp = with_cp
        self.memory_efficient = memory_efficient
        self.convs = nn.Sequential(*[
            ConvModule(
                in_channels if k == 0 else out_channels,
                out_channels,
                kernel_size=3,
                stride=stride if k == 0 else 1,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                efficient_conv_bn_eval=True) for k in range(num_convs)
        ])

    @property
    def first_conv(self) -> nn.Module:
        """The convolution of the first conv-norm-act layer."""
        return self.convs[0].conv

    @property
    def splittable(self) -> bool:
        """Whether the first layer is a plain 3x3 conv (stride 1, padding
        1) followed by its norm and activation, and the block does not
        recompute itself whole (``with_cp``): then the block is its first
        convolution, which is a sum of one convolution per group of input
        channels, followed by :meth:`finish` (the CPU fast path's split)."""
        first = self.convs[0]
        conv = first.conv
        return not (self.with_cp or type(conv) is not nn.Conv2d
                    or conv.kernel_size != (3, 3) or conv.stride != (1, 1)
                    or conv.padding != (1, 1) or conv.dilation != (1, 1)
                    or conv.groups != 1 or conv.padding_mode != 'zeros'
                    or first.order != ('conv', 'norm', 'act'))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) -> (N, out_channels, H/stride, W/stride)."""
        if not self._recomputes:
            return self.convs(x)
        if self.with_cp:
            return recompute_in_backward(self.convs, x, self)
        first = self.convs[0]
        if first.with_explicit_padding:
            x = first.padding_layer(x)
        return self.finish(first.conv(x))

    def finish(self, pre: torch.Tensor) -> torch.Tensor:
        """The block from its first convolution's output on: the first
        norm and activation, then the other conv-norm-act layers. With
        ``memory_efficient`` only ``pre`` is kept for backward and the rest
        runs again there."""
        if self._recomputes and self.memory_efficient:
            return recompute_in_backward(self._finish, pre, self)
        return self._finish(pre)

    @property
    def _recomputes(self) -> bool:
        return ((self.with_cp or self.memory_efficient) and self.training
                and torch.is_grad_enabled())

    def _finish(self, y: torch.Tensor) -> torch.Tensor:
        first = self.convs[0]
        if first.with_norm:
            y = first.norm(y)
        if first.with_activation:
            y = first.activate(y)
        return self.convs[1:](y)


def keep_norms_frozen(module: nn.Module) -> None:
    """Put every batch norm of ``module`` in eval mode (``norm_eval``)."""
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()


@contextmanager
def buffers_swapped(
        modules: List[nn.Module],
        stand_ins: List[Dict[str, torch.Tensor]]) -> Iterator[None]:
    """Give each module the stand-in buffers for a while (no tensor op)."""
    saved = [dict(m._buffers) for m in modules]
    for m, buffers in zip(modules, stand_ins):
        m._buffers.update(buffers)
    try:
        yield
    finally:
        for m, buffers in zip(modules, saved):
            m._buffers.update(buffers)


def recompute_in_backward(fn: Callable[[torch.Tensor], torch.Tensor],
                          x: torch.Tensor,
                          module: nn.Module) -> torch.Tensor:
    """``fn(x)`` with activation checkpointing: only ``x`` is kept for
    backward, where ``fn`` runs again. The batch norms of ``module`` update
    stand-in copies of their running statistics in that second run, so the
    real ones are updated once per step, as without checkpointing."""
    norms = [
        m for m in module.modules()
        if isinstance(m, _BatchNorm) and m.track_running_stats
    ]
    stand_ins = [{
        name: buffer.clone()
        for name, buffer in m._buffers.items() if buffer is not None
    } for m in norms]
    calls = []

    def run(inputs: torch.Tensor) -> torch.Tensor:
        if calls:  # the recomputation in backward
            with buffers_swapped(norms, stand_ins):
                return fn(inputs)
        calls.append(True)
        return fn(inputs)

    return cp.checkpoint(run, x, use_reentrant=False)
