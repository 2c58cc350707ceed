"""H of the UNet++ paper: the conv-norm-act stack inside every node."""
from contextlib import contextmanager
from functools import partial
from typing import Callable, Dict, Iterator, List

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import OptConfigType
from torch.nn.modules.batchnorm import _BatchNorm


class NodeBlock(BaseModule):
    """``num_convs`` x (3x3 conv - norm - act): the function H of node X(i, j).

    Args:
        in_channels (int): Channels of the (concatenated) input.
        out_channels (int): Channels of the node.
        num_convs (int): Number of conv-norm-act layers.
        stride (int): Stride of the first conv (2 for strided down-sampling).
        with_cp (bool): Recompute the whole block in backward instead of
            storing its activations (running statistics are updated once).
        memory_efficient (bool): Store only the convolutions' outputs for
            backward and recompute the norms and activations from them
            (cheap next to the convolutions); running statistics are still
            updated once per step.
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
                act_cfg=act_cfg) for k in range(num_convs)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) -> (N, out_channels, H/stride, W/stride)."""
        return self._run(self.convs, x)

    def finish(self, pre: torch.Tensor) -> torch.Tensor:
        """The block from its first convolution's output on: the first
        norm and activation, then the other conv-norm-act layers."""
        return self._run(self._finish, pre)

    def _finish(self, y: torch.Tensor) -> torch.Tensor:
        first = self.convs[0]
        if first.with_norm:
            y = first.norm(y)
        if first.with_activation:
            y = first.activate(y)
        return self.convs[1:](y)

    def _run(self, fn: Callable[[torch.Tensor], torch.Tensor],
             x: torch.Tensor) -> torch.Tensor:
        if not (self.training and torch.is_grad_enabled()):
            return fn(x)
        if self.with_cp or self.memory_efficient:
            return recompute_in_backward(
                fn, x, self, keep_convolutions=not self.with_cp)
        return fn(x)


def _save_convolutions(ctx, op, *args, **kwargs) -> cp.CheckpointPolicy:
    """Keep what convolutions compute; recompute everything else."""
    if op is torch.ops.aten.convolution.default:
        return cp.CheckpointPolicy.MUST_SAVE
    return cp.CheckpointPolicy.PREFER_RECOMPUTE


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
                          x: torch.Tensor, module: nn.Module,
                          keep_convolutions: bool) -> torch.Tensor:
    """``fn(x)`` with activation checkpointing: only ``x`` is kept for
    backward, and ``fn`` runs again there; with ``keep_convolutions`` the
    convolutions' outputs are kept too and only the rest (norms,
    activations) is recomputed (selective activation checkpointing).

    The batch norms of ``module`` update stand-in copies of their running
    statistics during the recomputation, so the real ones are updated once
    per step, as without checkpointing.
    """
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

    if not keep_convolutions:
        return cp.checkpoint(run, x, use_reentrant=False)
    return cp.checkpoint(
        run,
        x,
        use_reentrant=False,
        context_fn=partial(cp.create_selective_checkpoint_contexts,
                           _save_convolutions))
