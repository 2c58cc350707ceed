import copy

import pytest
import torch
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.backbones import UNetPlusPlus
from mmseg_unetpp.models.necks import UNetPlusPlusNeck

# A ResNet-like encoder column: strides 4, 8, 16, 32 of a 97x131 image.
CHANNELS = [8, 16, 32, 64]
SIZES = [(25, 33), (13, 17), (7, 9), (4, 5)]


def features(n: int = 2, channels=CHANNELS, sizes=SIZES, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(n, c, *s, generator=g) for c, s in zip(channels, sizes)
    ]


def num_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def node_params(cin: int, cout: int) -> int:
    """Two conv3x3 (no bias: BN follows) + BN."""
    return 9 * cin * cout + 2 * cout + 9 * cout * cout + 2 * cout


def test_registered_as_a_neck():
    neck = MODELS.build(dict(type='UNetPlusPlusNeck', in_channels=CHANNELS))
    assert isinstance(neck, UNetPlusPlusNeck)


def test_outputs_are_x_0_j_at_the_finest_encoder_resolution():
    neck = UNetPlusPlusNeck(CHANNELS, channels=[4, 6, 10]).eval()
    with torch.no_grad():
        outs = neck(features())
    assert [tuple(o.shape) for o in outs] == [(2, 4, 25, 33)] * 3


def test_default_widths_are_the_encoders_as_in_the_paper():
    neck = UNetPlusPlusNeck(CHANNELS)
    assert neck.channels == (8, 16, 32)
    assert neck.node(1, 2).convs[0].conv.out_channels == 16


def test_parameters_follow_the_node_rule_with_per_row_widths():
    """X(i, j) takes X(i, 0) (encoder width), j-1 nested nodes and the
    up-sampled X(i+1, j-1) (encoder width when j == 1)."""
    widths = [4, 6, 10]
    neck = UNetPlusPlusNeck(CHANNELS, channels=widths)
    expected = 0
    for i, j in neck.nested_ids:
        below = CHANNELS[i + 1] if j == 1 else widths[i + 1]
        cin = CHANNELS[i] + (j - 1) * widths[i] + below
        expected += node_params(cin, widths[i])
    assert num_params(neck) == expected


def test_narrow_rows_keep_a_resnet50_decoder_light():
    r50 = [256, 512, 1024, 2048]
    wide = UNetPlusPlusNeck(r50)
    narrow = UNetPlusPlusNeck(r50, channels=[64, 128, 256])
    assert num_params(narrow) < num_params(wide) / 5  # 11.9 M vs 67.8 M
    assert max(n.convs[0].conv.out_channels
               for n in narrow.nodes.values()) == 256


@pytest.mark.parametrize('mode', ['dense', 'nested', 'plain'])
@pytest.mark.parametrize('upsample', ['bilinear', 'nearest', 'InterpConv',
                                      'DeconvModule'])
def test_skip_and_upsample_modes_on_odd_sizes(mode, upsample):
    neck = UNetPlusPlusNeck(
        CHANNELS,
        channels=[4, 6, 10],
        skip_mode=mode,
        upsample_cfg=dict(type=upsample)).eval()
    with torch.no_grad():
        outs = neck(features())
    assert len(outs) == (1 if mode == 'plain' else 3)
    assert all(o.shape == (2, 4, 25, 33) for o in outs)


def test_any_stride_ratio_between_rows():
    """Rows need not halve: a dilated encoder keeps strides 8, 8, 8."""
    neck = UNetPlusPlusNeck([8, 16, 32]).eval()
    with torch.no_grad():
        outs = neck(features(channels=[8, 16, 32], sizes=[(12, 12)] * 3))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 12, 12)] * 2


@pytest.mark.parametrize('level', [1, 2, 3])
def test_pruned_outputs_equal_the_full_outputs(level):
    torch.manual_seed(0)
    full = UNetPlusPlusNeck(CHANNELS).eval()
    pruned = copy.deepcopy(full)
    pruned.eval_level = level
    feats = features()
    with torch.no_grad():
        full_outs, pruned_outs = full(feats), pruned(feats)
    assert len(pruned_outs) == level
    for a, b in zip(pruned_outs, full_outs):
        assert torch.equal(a, b)


def test_pruning_computes_only_nodes_with_i_plus_j_at_most_k():
    neck = UNetPlusPlusNeck(CHANNELS, eval_level=2).eval()
    ran = []
    for name, node in neck.nodes.items():  # the last conv of every node
        node.convs[-1].register_forward_hook(
            lambda m, i, o, name=name: ran.append(name))
    with torch.no_grad():
        neck(features())
    assert sorted(ran) == ['x_0_1', 'x_0_2', 'x_1_1']
    neck.train()
    ran.clear()
    assert len(neck(features())) == 3 and len(ran) == 6


def test_level_sizes_count_the_pruned_sub_networks():
    neck = UNetPlusPlusNeck(CHANNELS)
    sizes = neck.level_sizes
    assert sizes[3] == num_params(neck)
    assert sizes[1] == num_params(neck.node(0, 1))
    assert sizes[2] == sizes[1] + num_params(neck.node(1, 1)) + num_params(
        neck.node(0, 2))


def test_the_backbone_is_the_papers_encoder_plus_this_neck():
    """UNetPlusPlus's nested nodes are a UNetPlusPlusNeck: the same weights
    in a stand-alone neck fed with the backbone's encoder give the same
    outputs."""
    torch.manual_seed(0)
    backbone = UNetPlusPlus(
        base_channels=4, num_stages=4, return_encoder=True).eval()
    neck = UNetPlusPlusNeck(list(backbone.stage_channels)).eval()
    nested = {
        k: v
        for k, v in backbone.state_dict().items()
        if not k.startswith('nodes.x_') or not k.split('.')[1].endswith('_0')
    }
    neck.load_state_dict(nested, strict=True)
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 45, 61))
    nested_outs, encoder = outs[:3], outs[3:]
    with torch.no_grad():
        for a, b in zip(neck(encoder), nested_outs):
            assert torch.equal(a, b)


def test_with_cp_gives_identical_gradients():
    torch.manual_seed(0)
    plain = UNetPlusPlusNeck(CHANNELS)
    checkpointed = copy.deepcopy(plain)
    for node in checkpointed.nodes.values():
        node.with_cp = True
    feats = features()
    for neck in (plain, checkpointed):
        sum(o.square().mean() for o in neck(feats)).backward()
    for (name, p), q in zip(plain.named_parameters(),
                            checkpointed.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_norm_eval_keeps_statistics():
    neck = UNetPlusPlusNeck(CHANNELS, norm_eval=True).train()
    before = copy.deepcopy(neck.state_dict())
    neck(features())
    for key, value in neck.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_channels_mismatch_names_both_lists_at_first_forward():
    neck = UNetPlusPlusNeck([8, 16, 32, 64])
    with pytest.raises(ValueError,
                       match=r'in_channels=\[8, 16, 32, 64\].*'
                       r'\[8, 16, 32, 48\]'):
        neck(features(channels=[8, 16, 32, 48]))
    with pytest.raises(ValueError, match=r'\[8, 16, 32\]'):
        neck(features(channels=[8, 16, 32]))


@pytest.mark.parametrize('kwargs, words', [
    (dict(in_channels=[8]), ['two encoder rows', '[8]']),
    (dict(channels=[4, 4]), ['channels', '3 entries', '[4, 4]']),
    (dict(eval_level=4), ['eval_level', '1..3', '4']),
    (dict(skip_mode='plain', eval_level=1), ['eval_level=1', 'plain']),
    (dict(upsample_cfg=dict(type='pixelshuffle')), ['pixelshuffle']),
])
def test_bad_arguments_raise_value_error(kwargs, words):
    cfg = dict(in_channels=CHANNELS)
    cfg.update(kwargs)
    with pytest.raises(ValueError) as error:
        UNetPlusPlusNeck(**cfg)
    for word in words:
        assert word in str(error.value)


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
    plain.fast_cpu = False
    assert fast._splittable
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
    assert not UNetPlusPlusNeck(CHANNELS, with_cp=True)._splittable
    assert not UNetPlusPlusNeck(
        CHANNELS, conv_cfg=dict(type='ConvWS'))._splittable


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
