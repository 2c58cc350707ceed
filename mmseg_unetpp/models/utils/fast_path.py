"""The CPU fast path and the memory-lean modes of the nested decoder.

Both compute what :meth:`NestedDecoder.decode` computes (the paper's rule,
one concatenation per node); only the order of the arithmetic and what is
kept for backward differ. Same outputs and gradients up to float rounding.

**Split first convolutions** (training on a CPU). The first convolution of
node X(i, j) is linear in its concatenated input, so it is also the sum of
one convolution per input: one for each X(i, c) it takes from its row and
one for Up(X(i+1, j-1)). As soon as a node is computed, one convolution as
wide as all its consumers gives its share of each of them (``_share``), and
no concatenation is built or kept for backward. The grid runs in the
channels_last memory format, which is faster on CPUs; in eval it is the
paper's rule on channels_last tensors (the split did not pay there).

**Recomputation in backward** (``with_cp``, ``memory_efficient``).
:func:`recompute_in_backward` is activation checkpointing that keeps batch
norm statistics right: the recomputation updates stand-in copies of the
running statistics, so the real ones move once per step.
:class:`UpsampleConv` is the up-sampling branch of a split node that keeps
X(i+1, j-1), not its up-sampled copy, for backward.
"""
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm

if TYPE_CHECKING:
    from .nested_decoder import Grid, NestedDecoder


def decode(decoder: 'NestedDecoder', encoder: List[torch.Tensor],
           level: int):
    """The decoder's output on a CPU: split first convolutions in training,
    the paper's rule in eval; channels_last throughout."""
    encoder = [f.contiguous(memory_format=torch.channels_last)
               for f in encoder]
    if decoder.training and torch.is_grad_enabled() and splittable(decoder):
        return split_decode(decoder, encoder, level)
    return decoder.decode(encoder, level)


def splittable(decoder: 'NestedDecoder') -> bool:
    """Whether every node starts with a plain 3x3 conv, padding 1,
    followed by its norm and activation (what the split computes), and
    no node recomputes itself whole (``with_cp``)."""
    for node in decoder.nodes.values():
        first = node.convs[0]
        conv = first.conv
        if (node.with_cp or type(conv) is not nn.Conv2d
                or conv.kernel_size != (3, 3) or conv.stride != (1, 1)
                or conv.padding != (1, 1) or conv.dilation != (1, 1)
                or conv.groups != 1 or conv.padding_mode != 'zeros'
                or first.order != ('conv', 'norm', 'act')):
            return False
    return True


def split_decode(decoder: 'NestedDecoder', encoder: Sequence[torch.Tensor],
                 level: int):
    """``decoder.decode`` with split first convolutions (module doc)."""
    x: 'Grid' = {(i, 0): feature for i, feature in enumerate(encoder)}
    # shares[i, j]: the sum of X(i, j)'s first-conv terms from its row
    shares: Dict = {}
    for i in range(level + 1):
        _share(decoder, i, 0, x[i, 0], level, shares)
    for i, j in decoder.node_ids:
        if i + j > level:
            continue
        x[i, j] = _node_from_share(decoder, i, j, shares.pop((i, j)),
                                   x[i + 1, j - 1])
        _share(decoder, i, j, x[i, j], level, shares)
    return decoder.outputs(x, level)


def _share(decoder: 'NestedDecoder', i: int, c: int, feature: torch.Tensor,
           level: int, shares: Dict) -> None:
    """Add X(i, c)'s term to the first conv of every later node of row i
    that takes it (with i + j <= level), in one convolution."""
    consumers = [
        j for j in range(c + 1, level - i + 1)
        if f'x_{i}_{j}' in decoder.nodes and c in decoder.skip_columns(i, j)
    ]
    if not consumers:
        return
    weights = []
    for j in consumers:
        columns = decoder.skip_columns(i, j)
        start = sum(decoder.width(i, cc) for cc in columns[:columns.index(c)])
        weight = decoder.node(i, j).convs[0].conv.weight
        weights.append(weight[:, start:start + decoder.width(i, c)])
    out = F.conv2d(feature, torch.cat(weights), padding=1)
    for j, term in zip(consumers,
                       out.split([w.shape[0] for w in weights], dim=1)):
        previous = shares.get((i, j))
        shares[i, j] = term if previous is None else previous + term


def _node_from_share(decoder: 'NestedDecoder', i: int, j: int,
                     share: torch.Tensor,
                     below: torch.Tensor) -> torch.Tensor:
    """X(i, j) from its row's share of its first convolution and
    X(i+1, j-1), the node it up-samples."""
    node = decoder.node(i, j)
    conv = node.convs[0].conv
    up_channels = (decoder.channels[i] if decoder.upsample_mode is None else
                   below.shape[1])
    weight = conv.weight[:, conv.weight.shape[1] - up_channels:]
    size = share.shape[2:]
    if node.memory_efficient and decoder.upsample_mode is not None:
        y = UpsampleConv.apply(below, weight, size, decoder.upsample_mode)
    else:
        y = F.conv2d(decoder.up(i, j, below, size), weight, padding=1)
    y = y + share
    if conv.bias is not None:
        y = y + conv.bias.view(1, -1, 1, 1)
    return node.finish(y)


def interpolate(x: torch.Tensor, size: Sequence[int],
                mode: str) -> torch.Tensor:
    """Parameter-free up-sampling of ``x`` to ``size`` (``'bilinear'`` or
    ``'nearest'``)."""
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
        # conv2d's own backward for the input and weight gradients.
        grad_up, grad_weight, _ = torch.ops.aten.convolution_backward(
            grad, up, weight, None, [1, 1], [1, 1], [1, 1], False, [0, 0],
            1, [True, ctx.needs_input_grad[1], False])
        grad_x, = torch.autograd.grad(up, x, grad_up)
        return grad_x, grad_weight, None, None


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
