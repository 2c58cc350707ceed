"""A faster forward for the MBConv blocks of ``efficientnet-lite-pytorch``.

:func:`mbconv_forward` computes what ``MBConvBlock.forward`` of that
package computes, from the same modules and parameters, three ways faster:

- TensorFlow's ``SAME`` padding goes into the convolution when it is the
  same on both sides (every stride-1 convolution), where the package pads
  a copy of the input with ``F.pad`` first;
- a convolution followed by a BN layer in eval mode (at test, and in the
  frozen stages while training) runs as one convolution with the BN folded
  into its weights, computed from them at each call, so that gradients
  still reach the convolution and the checkpoint keys do not change. MMCV's
  ``efficient_conv_bn_eval_forward`` does the same for ``ConvModule`` but
  runs the convolution's ``_conv_forward``, which skips the package's
  dynamic padding, hence :func:`folded` here;
- on a CPU, the depthwise convolutions' weight gradient on maps of at most
  :data:`SMALL_MAP` pixels is a sum of shifted products
  (:class:`DepthwiseConv2d`): PyTorch's oneDNN kernel takes 7 ms for a
  5x5 kernel on a 4x1152x2x2 map, 30 times its forward.

``tests/test_models/test_utils/test_mbconv.py`` compares each part with
PyTorch's and the package's, and
``tests/test_models/test_backbones/test_efficientnet_lite.py`` a whole
training step (float32, and float64 to 1e-9) with the package's
``MBConvBlock.forward``.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# Largest output map (pixels) whose depthwise weight gradient is computed
# by shifted products on a CPU: above it, oneDNN's kernel is as fast.
SMALL_MAP = 256


def same_padding(conv: nn.Conv2d,
                 size: Tuple[int, int]) -> Tuple[int, int, int, int]:
    """TensorFlow's ``SAME`` padding (left, right, top, bottom) of ``conv``
    for an input of ``size`` (H, W), as ``Conv2dDynamicSamePadding`` of
    ``efficientnet-lite-pytorch`` computes it: the output is
    ``ceil(size / stride)``, the odd pixel of padding at the end."""
    pads = []
    for n, k, s, d in zip(size, conv.weight.shape[-2:], conv.stride,
                          conv.dilation):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return left, right, top, bottom


def folded(conv: nn.Conv2d, bn: Optional[nn.BatchNorm2d]
           ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """The weight and bias of ``conv`` followed by ``bn``, the BN folded in
    when it normalises with its running statistics (eval mode), else
    ``conv``'s own."""
    if bn is None or (bn.training or not bn.track_running_stats):
        return conv.weight, conv.bias
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    bias = -bn.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    if bn.bias is not None:
        bias = bias + bn.bias
    weight = conv.weight * scale.reshape(-1, 1, 1, 1)
    return weight, bias


def depthwise_weight_grad(x: torch.Tensor, grad: torch.Tensor,
                          kernel: Tuple[int, int], stride: Tuple[int, int],
                          padding: Tuple[int, int]) -> torch.Tensor:
    """The weight gradient of a depthwise convolution (no dilation) as one
    product of shifted maps per kernel tap."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    ho, wo = grad.shape[-2:]
    if ph or pw:
        x = F.pad(x, (pw, pw, ph, ph))
    out = grad.new_empty(grad.shape[1], kh, kw)
    for i in range(kh):
        for j in range(kw):
            shifted = x[:, :, i:i + sh * (ho - 1) + 1:sh,
                        j:j + sw * (wo - 1) + 1:sw]
            out[:, i, j] = (grad * shifted).sum((0, 2, 3))
    return out.unsqueeze(1)


class DepthwiseConv2d(torch.autograd.Function):
    """``F.conv2d(x, weight, bias, stride, padding, groups=C)`` for a
    depthwise ``weight`` (C, 1, kh, kw), whose weight gradient on small
    maps is :func:`depthwise_weight_grad`; the input gradient is
    PyTorch's."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        ctx.save_for_backward(x, weight)
        ctx.conf = (stride, padding, bias is not None)
        return F.conv2d(x, weight, bias, stride, padding, 1, weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        stride, padding, has_bias = ctx.conf
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.ops.aten.convolution_backward(
                grad, x, weight, None, stride, padding, (1, 1), False,
                (0, 0), weight.shape[0], (True, False, False))[0]
        if ctx.needs_input_grad[1]:
            grad_w = depthwise_weight_grad(x, grad, weight.shape[-2:],
                                           stride, padding)
        if has_bias and ctx.needs_input_grad[2]:
            grad_b = grad.sum((0, 2, 3))
        return grad_x, grad_w, grad_b, None, None


def same_conv(conv: nn.Conv2d,
              x: torch.Tensor,
              bn: Optional[nn.BatchNorm2d] = None) -> torch.Tensor:
    """``conv`` with TensorFlow's ``SAME`` padding, then ``bn`` (folded
    into the convolution in eval mode)."""
    left, right, top, bottom = same_padding(conv, x.shape[-2:])
    if left == right and top == bottom:
        padding = (top, left)
    else:
        x = F.pad(x, (left, right, top, bottom))
        padding = (0, 0)
    weight, bias = folded(conv, bn)
    # A BN layer that was not folded (training, or no running statistics).
    after = bn if bn is not None and weight is conv.weight else None
    depthwise = (conv.groups > 1 and conv.groups == conv.in_channels ==
                 weight.shape[0] and tuple(conv.dilation) == (1, 1))
    small = depthwise and math.prod(
        math.ceil(n / s) for n, s in zip(x.shape[-2:], conv.stride)
    ) <= SMALL_MAP
    if (small and weight.requires_grad and torch.is_grad_enabled()
            and x.device.type == 'cpu'
            and not torch.is_autocast_enabled('cpu')):
        out = DepthwiseConv2d.apply(x, weight, bias, tuple(conv.stride),
                                    padding)
    else:
        out = F.conv2d(x, weight, bias, conv.stride, padding, conv.dilation,
                       conv.groups)
    return out if after is None else after(out)


def mbconv_forward(block: nn.Module,
                   x: torch.Tensor,
                   drop_connect_rate: Optional[float] = None
                   ) -> torch.Tensor:
    """What ``MBConvBlock.forward(x, drop_connect_rate)`` of
    ``efficientnet-lite-pytorch`` computes, faster (see the module's
    docstring). The squeeze-excitation of the non-Lite variants is not
    supported."""
    from efficientnet_lite_pytorch.utils import drop_connect
    if block.has_se:
        raise NotImplementedError(
            'mbconv_forward: squeeze-excitation blocks (not in the Lite '
            'variants)')
    args = block._block_args
    out = x
    if args.expand_ratio != 1:
        out = block._swish(same_conv(block._expand_conv, out, block._bn0))
    out = block._swish(same_conv(block._depthwise_conv, out, block._bn1))
    out = same_conv(block._project_conv, out, block._bn2)
    if (block.id_skip and args.stride == 1
            and args.input_filters == args.output_filters):
        if drop_connect_rate:
            out = drop_connect(out, p=drop_connect_rate,
                               training=block.training)
        out = out + x
    return out
