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
    assert neck.decoder.channels == (8, 16, 32)
    assert neck.decoder.node(1, 2).convs[0].conv.out_channels == 16


def test_parameters_follow_the_node_rule_with_per_row_widths():
    """X(i, j) takes X(i, 0) (encoder width), j-1 nested nodes and the
    up-sampled X(i+1, j-1) (encoder width when j == 1)."""
    widths = [4, 6, 10]
    neck = UNetPlusPlusNeck(CHANNELS, channels=widths)
    expected = 0
    for i, j in neck.decoder.node_ids:
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
               for n in narrow.decoder.nodes.values()) == 256


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
    neck = UNetPlusPlusNeck(CHANNELS).eval()
    feats = features()
    with torch.no_grad():
        full_outs, pruned_outs = neck(feats), neck(feats, level)
    assert len(pruned_outs) == level
    for a, b in zip(pruned_outs, full_outs):
        assert torch.equal(a, b)


@pytest.mark.parametrize('train', [False, True])
def test_pruning_computes_only_nodes_with_i_plus_j_at_most_k(train):
    neck = UNetPlusPlusNeck(CHANNELS).train(train)
    ran = []
    for name, node in neck.decoder.nodes.items():  # each node's last conv
        node.convs[-1].register_forward_hook(
            lambda m, i, o, name=name: ran.append(name))
    assert len(neck(features(), 2)) == 2
    assert sorted(ran) == ['x_0_1', 'x_0_2', 'x_1_1']
    ran.clear()
    assert len(neck(features())) == 3 and len(ran) == 6


def test_level_sizes_count_the_pruned_sub_networks():
    neck = UNetPlusPlusNeck(CHANNELS)
    sizes = neck.level_sizes
    assert sizes[3] == num_params(neck)
    node = neck.decoder.node
    assert sizes[1] == num_params(node(0, 1))
    assert sizes[2] == sizes[1] + num_params(node(1, 1)) + num_params(
        node(0, 2))


def test_the_backbone_is_the_papers_encoder_plus_this_neck():
    """UNetPlusPlus's decoder is a UNetPlusPlusNeck's: the same weights in a
    stand-alone neck fed with the backbone's encoder give the same
    outputs."""
    torch.manual_seed(0)
    backbone = UNetPlusPlus(
        base_channels=4, num_stages=4, return_encoder=True).eval()
    neck = UNetPlusPlusNeck(list(backbone.stage_channels)).eval()
    nested = {
        k: v
        for k, v in backbone.state_dict().items() if k.startswith('decoder.')
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
    for node in checkpointed.decoder.nodes.values():
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
    (dict(channels=[4, 4]), ['channels (nested rows 0..2) must have one '
                             'entry per row (3), got 2: [4, 4]']),
    (dict(upsample_cfg=dict(type='pixelshuffle')), ['pixelshuffle']),
])
def test_bad_arguments_raise_value_error(kwargs, words):
    cfg = dict(in_channels=CHANNELS)
    cfg.update(kwargs)
    with pytest.raises(ValueError) as error:
        UNetPlusPlusNeck(**cfg)
    for word in words:
        assert word in str(error.value)
