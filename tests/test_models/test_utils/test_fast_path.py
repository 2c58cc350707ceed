"""The CPU fast path and the memory-lean modes compute what the paper's
rule computes: outputs, gradients and BN statistics."""
import copy

import pytest
import torch

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.necks import UNetPlusPlusNeck

# A ResNet-like encoder column: strides 4, 8, 16, 32 of a 97x131 image.
CHANNELS = [8, 16, 32, 64]
SIZES = [(25, 33), (13, 17), (7, 9), (4, 5)]


def features(n: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(n, c, *s, generator=g) for c, s in zip(CHANNELS, SIZES)
    ]


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(skip_mode='nested'),
    dict(skip_mode='plain'),
    dict(upsample_cfg=dict(type='InterpConv')),
    dict(norm_cfg=None),
    dict(norm_cfg=dict(type='GN', num_groups=2), channels=[4, 6, 10]),
])
def test_fast_cpu_path_matches_the_concatenating_path(kwargs):
    """Channels_last and split first convolutions change float rounding
    only: outputs, gradients and BN statistics agree."""
    torch.manual_seed(0)
    fast = UNetPlusPlusNeck(CHANNELS, **kwargs)
    plain = copy.deepcopy(fast)
    plain.decoder.fast_cpu = False
    assert fast.decoder.splittable
    feats = features()
    results = []
    for neck in (fast, plain):
        inputs = [f.clone().requires_grad_() for f in feats]
        outs = neck.train()(inputs)
        sum((o * torch.linspace(-1, 1, o.shape[-1])).sum()
            for o in outs).backward()
        results.append((outs, [f.grad for f in inputs]))
    (fast_outs, fast_grads), (plain_outs, plain_grads) = results
    for a, b in zip(fast_outs, plain_outs):
        assert a.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    for a, b in zip(fast_grads, plain_grads):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    for (name, p), q in zip(fast.named_parameters(), plain.parameters()):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-3, rtol=1e-4,
                                   msg=name)
    for (name, a), b in zip(fast.named_buffers(), plain.buffers()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5, msg=name)


def test_custom_conv_layers_and_with_cp_use_the_concatenating_path():
    assert not UNetPlusPlusNeck(CHANNELS, with_cp=True).decoder.splittable
    assert not UNetPlusPlusNeck(
        CHANNELS, conv_cfg=dict(type='ConvWS')).decoder.splittable


@pytest.mark.parametrize('kwargs', [
    dict(memory_efficient=True),
    dict(memory_efficient=True, upsample_cfg=dict(type='nearest')),
    dict(memory_efficient=True, upsample_cfg=dict(type='DeconvModule')),
    dict(memory_efficient=True, fast_cpu=False),
    dict(with_cp=True),
])
def test_recomputing_modes_give_the_same_step(kwargs):
    """Recomputing in backward (memory_efficient: norms, activations and
    up-sampling; with_cp: whole nodes) changes nothing: outputs, gradients
    and running statistics (updated once)."""
    torch.manual_seed(0)
    lean = UNetPlusPlusNeck(CHANNELS, **kwargs)
    kwargs.pop('memory_efficient', None)
    kwargs.pop('with_cp', None)
    default = UNetPlusPlusNeck(CHANNELS, **kwargs)
    default.load_state_dict(lean.state_dict())
    feats = features()
    outs = []
    for neck in (lean, default):
        out = neck.train()(feats)
        sum((o * torch.linspace(-1, 1, o.shape[-1])).sum()
            for o in out).backward()
        outs.append(out)
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    for (name, p), q in zip(lean.named_parameters(), default.parameters()):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-3, rtol=1e-4,
                                   msg=name)
    for (name, a), b in zip(lean.named_buffers(), default.buffers()):
        torch.testing.assert_close(a, b, msg=name)


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(skip_mode='nested'),
    dict(skip_mode='plain'),
    dict(upsample_cfg=dict(type='InterpConv')),
    dict(norm_cfg=None, channels=[4, 6, 10]),
])
def test_split_first_conv_adds_up_to_the_node_convolution(kwargs):
    """The decoder's split of X(i, j)'s first convolution: one weight per
    input, in the order of the concatenation, whose convolutions plus the
    bias are the convolution of the concatenated input."""
    decoder = UNetPlusPlusNeck(CHANNELS, **kwargs).decoder
    g = torch.Generator().manual_seed(0)
    for i, j in decoder.node_ids:
        split = decoder.split_first_conv(i, j)
        assert list(split.skips) == decoder.skip_columns(i, j)
        weights = list(split.skips.values()) + [split.up]
        inputs = [
            torch.randn(1, w.shape[1], 5, 7, generator=g) for w in weights
        ]
        expected = decoder.node(i, j).first_conv(torch.cat(inputs, dim=1))
        got = sum(
            torch.nn.functional.conv2d(x, w, padding=1)
            for x, w in zip(inputs, weights))
        if split.bias is not None:
            got = got + split.bias.view(1, -1, 1, 1)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
