"""The CPU fast path of the nested decoder.

It computes what :meth:`NestedDecoder.decode` computes (the paper's rule,
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
:class:`UpsampleConv` is the up-sampling branch of a split node in
``memory_efficient`` mode: it keeps X(i+1, j-1), not its up-sampled copy,
for backward.

What the fast path needs of a decoder is :class:`Decoder`; it does not
import the decoder's module (which imports this one).
"""
from typing import (
    Dict,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
)

import torch
import torch.nn.functional as F

from .node_block import NodeBlock

Tensors = Tuple[torch.Tensor, ...]


class SplitConv(NamedTuple):
    """The first convolution of node X(i, j), one weight per input.

    Attributes:
        skips (dict[int, Tensor]): For each column c of row i that X(i, j)
            concatenates, the weight that applies to X(i, c).
        up (Tensor): The weight that applies to Up(X(i+1, j-1)).
        bias (Tensor, optional): The convolution's bias.
    """
    skips: Dict[int, torch.Tensor]
    up: torch.Tensor
    bias: Optional[torch.Tensor]


class Decoder(Protocol):
    """What the fast path uses of a nested decoder (``NestedDecoder``)."""
    training: bool
    upsample_mode: Optional[str]  # None for a learned up-sampling

    @property
    def node_ids(self) -> List[Tuple[int, int]]:
        """(i, j) of every nested node, each after its inputs."""

    @property
    def splittable(self) -> bool:
        """Whether every node is ``NodeBlock.splittable``."""

    def node(self, i: int, j: int) -> NodeBlock:
        """The block H of node X(i, j)."""

    def split_first_conv(self, i: int, j: int) -> SplitConv:
        """X(i, j)'s first convolution, one weight per input."""

    def up(self, i: int, j: int, x: torch.Tensor,
           size: Sequence[int]) -> torch.Tensor:
        """X(i+1, j-1) up-sampled to ``size``, the size of row i."""

    def decode(self, encoder: Sequence[torch.Tensor], level: int) -> Tensors:
        """The paper's rule."""

    def outputs(self, x: Dict[Tuple[int, int], torch.Tensor],
                level: int) -> Tensors:
        """X(0, 1) .. X(0, level) of a computed grid."""


def decode(decoder: Decoder, encoder: List[torch.Tensor],
           level: int) -> Tensors:
    """The decoder's output on a CPU: split first convolutions in training,
    the paper's rule in eval; channels_last throughout."""
    encoder = [f.contiguous(memory_format=torch.channels_last)
               for f in encoder]
    if decoder.training and torch.is_grad_enabled() and decoder.splittable:
        return split_decode(decoder, encoder, level)
    return decoder.decode(encoder, level)


def split_decode(decoder: Decoder, encoder: Sequence[torch.Tensor],
                 level: int) -> Tensors:
    """``decoder.decode`` with split first convolutions (module doc)."""
    splits = {(i, j): decoder.split_first_conv(i, j)
              for i, j in decoder.node_ids if i + j <= level}
    x = {(i, 0): feature for i, feature in enumerate(encoder)}
    # shares[i, j]: the sum of X(i, j)'s first-conv terms from its row
    shares: Dict[Tuple[int, int], torch.Tensor] = {}
    for i in range(level + 1):
        _share(splits, i, 0, x[i, 0], shares)
    for (i, j), split in splits.items():
        x[i, j] = _node_from_share(decoder, i, j, split, shares.pop((i, j)),
                                   x[i + 1, j - 1])
        _share(splits, i, j, x[i, j], shares)
    return decoder.outputs(x, level)


def _share(splits: Dict[Tuple[int, int], SplitConv], i: int, c: int,
           feature: torch.Tensor, shares: Dict) -> None:
    """Add X(i, c)'s term to the first conv of every node in ``splits``
    that takes it, in one convolution."""
    consumers = [(row, j) for (row, j), split in splits.items()
                 if row == i and c in split.skips]
    if not consumers:
        return
    weights = [splits[node].skips[c] for node in consumers]
    out = F.conv2d(feature, torch.cat(weights), padding=1)
    for node, term in zip(consumers,
                          out.split([w.shape[0] for w in weights], dim=1)):
        previous = shares.get(node)
        shares[node] = term if previous is None else previous + term


def _node_from_share(decoder: Decoder, i: int, j: int, split: SplitConv,
                     share: torch.Tensor,
                     below: torch.Tensor) -> torch.Tensor:
    """X(i, j) from its row's share of its first convolution and
    X(i+1, j-1), the node it up-samples."""
    node = decoder.node(i, j)
    size = share.shape[2:]
    if node.memory_efficient and decoder.upsample_mode is not None:
        y = UpsampleConv.apply(below, split.up, size, decoder.upsample_mode)
    else:
        y = F.conv2d(decoder.up(i, j, below, size), split.up, padding=1)
    y = y + share
    if split.bias is not None:
        y = y + split.bias.view(1, -1, 1, 1)
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
