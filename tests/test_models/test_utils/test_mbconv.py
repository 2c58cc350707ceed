import pytest
import torch
import torch.nn.functional as F
from efficientnet_lite_pytorch.utils import Conv2dDynamicSamePadding

from mmseg_unetpp.models.utils.mbconv import (
    SMALL_MAP,
    DepthwiseConv2d,
    depthwise_weight_grad,
    same_conv,
)


@pytest.mark.parametrize('kernel, stride', [(1, 1), (3, 1), (3, 2), (5, 1),
                                            (5, 2)])
@pytest.mark.parametrize('size', [(7, 9), (8, 8), (13, 6)])
def test_same_conv_is_the_packages(kernel, stride, size):
    """Padding inside the convolution where both sides match, ``F.pad``
    where they do not: the output of the package's dynamic padding."""
    torch.manual_seed(0)
    conv = Conv2dDynamicSamePadding(4, 4, kernel, stride, groups=4,
                                    bias=False).double()
    x = torch.randn(2, 4, *size, dtype=torch.float64)
    torch.testing.assert_close(same_conv(conv, x), conv(x), rtol=0,
                               atol=1e-12)


def test_same_conv_folds_bn_in_eval_only():
    torch.manual_seed(0)
    conv = Conv2dDynamicSamePadding(3, 6, 3, 1, bias=False).double()
    bn = torch.nn.BatchNorm2d(6).double()
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 2)
    bn.bias.data.uniform_(-1, 1)
    x = torch.randn(2, 3, 9, 9, dtype=torch.float64)
    for training in (False, True):
        bn.train(training)
        before = bn.running_mean.clone()
        expected = bn(conv(x))
        bn.running_mean.copy_(before)
        torch.testing.assert_close(same_conv(conv, x, bn), expected,
                                   rtol=0, atol=1e-12)


@pytest.mark.parametrize('kernel, stride, padding', [(3, 1, 1), (5, 1, 2),
                                                     (3, 2, 0), (5, 2, 0)])
def test_depthwise_weight_grad_is_torchs(kernel, stride, padding):
    torch.manual_seed(0)
    x = torch.randn(3, 5, 9, 11, dtype=torch.float64, requires_grad=True)
    w = torch.randn(5, 1, kernel, kernel, dtype=torch.float64,
                    requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, requires_grad=True)
    out = F.conv2d(x, w, b, stride, padding, 1, 5)
    grad = torch.randn_like(out)
    expected = torch.autograd.grad(out, (x, w, b), grad)
    torch.testing.assert_close(
        depthwise_weight_grad(x, grad, (kernel, kernel), (stride, stride),
                              (padding, padding)), expected[1])
    found = DepthwiseConv2d.apply(x, w, b, (stride, stride),
                                  (padding, padding))
    torch.testing.assert_close(found, out)
    for a, e in zip(torch.autograd.grad(found, (x, w, b), grad), expected):
        torch.testing.assert_close(a, e)


def test_small_maps_take_the_depthwise_function():
    """Only depthwise convolutions whose output has at most ``SMALL_MAP``
    pixels, on a CPU with gradients wanted, run through
    ``DepthwiseConv2d``."""
    conv = Conv2dDynamicSamePadding(8, 8, 5, 1, groups=8, bias=False)
    calls = []
    original = DepthwiseConv2d.apply

    def spy(*args):
        calls.append(args[0].shape)
        return original(*args)

    DepthwiseConv2d.apply = spy
    try:
        same_conv(conv, torch.randn(1, 8, 4, 4))
        with torch.no_grad():
            same_conv(conv, torch.randn(1, 8, 4, 4))
        side = int(SMALL_MAP**0.5) + 1
        same_conv(conv, torch.randn(1, 8, side, side))
    finally:
        DepthwiseConv2d.apply = original
    assert calls == [(1, 8, 4, 4)]
