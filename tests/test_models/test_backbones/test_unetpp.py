import copy

import pytest
import torch
from helpers import deep_supervision_cfg
from mmengine.analysis import FlopAnalyzer
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.backbones import UNetPlusPlus
from mmseg_unetpp.models.utils import NestedDecoder, NodeBlock
from mmseg_unetpp.testing import ReferenceUNetPlusPlus

# The paper's (TMI 2019) parameter counts of the pruned sub-networks of
# UNet++ l4, width 32, in millions.
PAPER_LEVEL_PARAMS = {1: 0.10, 2: 0.52, 3: 2.24, 4: 9.16}


def num_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def node_params(cin: int, cout: int, num_convs: int = 2) -> int:
    """conv3x3 (no bias: BN follows) + BN, num_convs times."""
    total = 0
    for k in range(num_convs):
        total += 9 * (cin if k == 0 else cout) * cout + 2 * cout
    return total


def expected_params(channels, in_channels: int, mode: str) -> int:
    """Parameter count from the paper's node rule, per skip mode."""
    L = len(channels) - 1
    total = 0
    for i in range(L + 1):
        total += node_params(in_channels if i == 0 else channels[i - 1],
                             channels[i])
        for j in range(1, L + 1 - i):
            if mode == 'plain' and i + j != L:
                continue
            skips = {'dense': j, 'nested': 1, 'plain': 1}[mode]
            total += node_params(skips * channels[i] + channels[i + 1],
                                 channels[i])
    return total


def small(**kwargs) -> UNetPlusPlus:
    cfg = dict(in_channels=3, base_channels=4, num_stages=5)
    cfg.update(kwargs)
    return UNetPlusPlus(**cfg)


def test_a_seed_draws_the_decoder_first():
    """The decoder's weights are drawn before the encoder's, and state_dict
    lists the encoder first: the weights a seed gives (and the demo's
    numbers) depend on both."""
    torch.manual_seed(3)
    backbone = UNetPlusPlus(num_stages=4, base_channels=4)
    torch.manual_seed(3)
    decoder = NestedDecoder(backbone.stage_channels)
    ours = backbone.decoder.state_dict()
    assert list(ours) == list(decoder.state_dict())
    for key, value in decoder.state_dict().items():
        assert torch.equal(ours[key], value), key
    keys = list(backbone.state_dict())
    assert keys[0].startswith('encoder.x_0_0.')
    assert keys[-1].startswith('decoder.')
    assert list(dict.fromkeys(
        k.split('.')[1] for k in keys if k.startswith('encoder.'))) == [
            'x_0_0', 'x_1_0', 'x_2_0', 'x_3_0']


def test_registered_in_mmseg_models():
    model = MODELS.build(dict(type='UNetPlusPlus', base_channels=4))
    assert isinstance(model, UNetPlusPlus)


def test_level_params_match_paper():
    model = UNetPlusPlus(in_channels=3, base_channels=32, num_stages=5)
    sizes = model.level_sizes
    for level, paper in PAPER_LEVEL_PARAMS.items():
        assert sizes[level] / 1e6 == pytest.approx(paper, rel=0.03), level
    assert sizes[4] == num_params(model)
    # Sub-network k of l4 is exactly a stand-alone depth-k UNet++.
    for level in (1, 2, 3):
        alone = UNetPlusPlus(in_channels=3, base_channels=32,
                             num_stages=level + 1)
        assert sizes[level] == num_params(alone)


@pytest.mark.parametrize('mode', ['dense', 'nested', 'plain'])
def test_skip_mode_params(mode):
    model = UNetPlusPlus(base_channels=32, num_stages=5, skip_mode=mode)
    assert num_params(model) == expected_params([32, 64, 128, 256, 512], 3,
                                                mode)


def test_skip_mode_params_order():
    counts = [
        num_params(UNetPlusPlus(base_channels=32, skip_mode=mode))
        for mode in ('plain', 'nested', 'dense')
    ]
    assert counts[0] < counts[1] < counts[2]


@pytest.mark.parametrize('num_stages', [2, 3, 4, 5, 6])
def test_shapes_on_odd_sizes(num_stages):
    model = small(num_stages=num_stages).eval()
    x = torch.randn(2, 3, 97, 131)
    with torch.no_grad():
        outs = model(x)
    assert len(outs) == num_stages - 1
    for out in outs:
        assert out.shape == (2, 4, 97, 131)


def test_camvid_size_and_encoder_outputs():
    model = small(return_encoder=True).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 360, 480))
    nested, encoder = outs[:4], outs[4:]
    assert all(o.shape == (1, 4, 360, 480) for o in nested)
    assert [tuple(e.shape) for e in encoder] == [
        (1, 4, 360, 480), (1, 8, 180, 240), (1, 16, 90, 120),
        (1, 32, 45, 60), (1, 64, 22, 30)
    ]


@pytest.mark.parametrize('upsample', ['bilinear', 'nearest', 'InterpConv',
                                      'DeconvModule'])
@pytest.mark.parametrize('downsample', ['maxpool', 'strided_conv'])
def test_upsample_and_downsample_modes(upsample, downsample):
    model = small(
        num_stages=4,
        upsample_cfg=dict(type=upsample),
        downsample=downsample).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 45, 61))
    assert [tuple(o.shape) for o in outs] == [(1, 4, 45, 61)] * 3


def test_learned_upsampling_parameter_counts():
    """Documented: learned up-sampling adds its own weights and narrows the
    nested nodes' inputs (C(i+1) -> C(i) channels)."""
    expected = {'nearest': 9.16, 'InterpConv': 8.36, 'DeconvModule': 11.80}
    for up, millions in expected.items():
        model = UNetPlusPlus(base_channels=32, upsample_cfg=dict(type=up))
        assert num_params(model) / 1e6 == pytest.approx(millions, abs=0.005)
        assert (num_params(model.decoder.ups) > 0) == (up != 'nearest')


@pytest.mark.parametrize('norm', ['BN', 'GN', 'IN'])
def test_norm_layers(norm):
    norm_cfg = dict(type=norm)
    if norm == 'GN':
        norm_cfg['num_groups'] = 2
    model = small(num_stages=3, norm_cfg=norm_cfg)
    outs = model(torch.randn(2, 3, 33, 35))
    assert outs[-1].shape == (2, 4, 33, 35)


def test_stage_channels_and_multipliers():
    explicit = small(num_stages=3, stage_channels=[4, 6, 10])
    assert explicit.stage_channels == (4, 6, 10)
    multiplied = small(num_stages=3, channel_multipliers=[1, 3, 5])
    assert multiplied.stage_channels == (4, 12, 20)
    outs = explicit(torch.randn(1, 3, 20, 20))
    assert outs[0].shape == (1, 4, 20, 20)


def test_every_parameter_gets_a_gradient_in_dense_mode():
    model = small()
    outs = model(torch.randn(2, 3, 37, 41))
    sum(o.mean() for o in outs).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert missing == []
    assert all(p.grad.abs().sum() > 0 for p in model.parameters())


def test_with_cp_gives_identical_gradients():
    torch.manual_seed(0)
    plain = small(num_stages=4)
    checkpointed = copy.deepcopy(plain)
    for m in checkpointed.modules():
        if hasattr(m, 'with_cp'):
            m.with_cp = True
    x = torch.randn(2, 3, 29, 33)
    for model in (plain, checkpointed):
        sum(o.square().mean() for o in model(x)).backward()
    for (name, p), q in zip(plain.named_parameters(),
                            checkpointed.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_with_cp_argument_reaches_every_node():
    model = small(with_cp=True)
    nodes = [m for m in model.modules() if isinstance(m, NodeBlock)]
    assert len(nodes) == 15 and all(node.with_cp for node in nodes)
    assert model.node(0, 0) is model.encoder['x_0_0']
    assert model.node(1, 2) is model.decoder.nodes['x_1_2']


def test_norm_eval_freezes_bn_statistics():
    model = small(num_stages=3, norm_eval=True)
    model.train()
    before = {
        n: b.clone()
        for n, b in model.named_buffers() if 'running_mean' in n
    }
    model(torch.randn(2, 3, 24, 24) * 5 + 3)
    for name, buf in model.named_buffers():
        if name in before:
            assert torch.equal(buf, before[name]), name
    trained = small(num_stages=3)
    trained.train()
    trained(torch.randn(2, 3, 24, 24) * 5 + 3)
    assert not torch.equal(trained.node(0, 0).convs[0].bn.running_mean,
                           torch.zeros(4))


@pytest.mark.parametrize('level', [1, 2, 3, 4])
def test_pruned_output_equals_full_output(level):
    torch.manual_seed(0)
    model = small().eval()
    x = torch.randn(2, 3, 53, 47)
    with torch.no_grad():
        full_outs = model(x)
        pruned_outs = model(x, level)
    assert len(pruned_outs) == level
    for j in range(level):
        assert torch.equal(pruned_outs[j], full_outs[j])


def flops(model: torch.nn.Module, *inputs) -> int:
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total()


@pytest.mark.parametrize('level', [1, 2, 3])
def test_pruned_flops_equal_standalone_model(level):
    x = torch.randn(1, 3, 64, 64)
    full = small().eval()
    alone = small(num_stages=level + 1).eval()
    assert flops(full, x, level) == flops(alone, x)
    assert flops(full, x, level) < flops(full, x)
    assert full.level_sizes[level] == num_params(alone)


@pytest.mark.parametrize('kwargs, words', [
    (dict(num_stages=1), ['num_stages', '2..7', '1']),
    (dict(num_stages=8), ['num_stages', '8']),
    (dict(num_stages=4, stage_channels=[8, 16]),
     ['stage_channels must have one entry per row (4), got 2: [8, 16]']),
    (dict(num_stages=3, channel_multipliers=[1, 2, 4, 8]),
     ['channel_multipliers must have one entry per row (3), got 4']),
    (dict(skip_mode='sparse'), ['skip_mode', 'sparse', 'dense']),
    (dict(downsample='avgpool'), ['downsample', 'avgpool', 'maxpool']),
    (dict(upsample_cfg=dict(type='pixelshuffle')),
     ['upsample_cfg', 'pixelshuffle', 'bilinear']),
])
def test_bad_arguments_raise_value_error(kwargs, words):
    with pytest.raises(ValueError) as error:
        small(**kwargs)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize('kwargs, level, words', [
    (dict(), 5, ['level', '1..4', '5']),
    (dict(), 0, ['level', '1..4', '0']),
    (dict(skip_mode='plain'), 2, ['level 2', 'plain']),
])
def test_bad_levels_raise_value_error(kwargs, level, words):
    with pytest.raises(ValueError) as error:
        small(**kwargs)(torch.randn(1, 3, 32, 32), level)
    for word in words:
        assert word in str(error.value)


def test_wrong_input_channels_raise_value_error():
    model = small(in_channels=3)
    with pytest.raises(ValueError, match=r'in_channels=3.*\(1, 1, 32, 32\)'):
        model(torch.randn(1, 1, 32, 32))


def test_too_small_input_raises_value_error_with_minimum():
    model = small(num_stages=5)
    with pytest.raises(ValueError, match=r'>= 2\*\*L = 16.*\(15, 40\)'):
        model(torch.randn(1, 3, 15, 40))
    with torch.no_grad():
        assert len(model.eval()(torch.randn(1, 3, 16, 16))) == 4


def reference_checkpoint(path, reference: ReferenceUNetPlusPlus) -> None:
    """Write ``reference``'s weights as a segmentor checkpoint: the grid
    under the backbone (``backbone.encoder.x_1_0.convs.0.conv.weight``,
    ``backbone.decoder.nodes.x_0_1...``), the classifiers under the head
    (``decode_head.branches.0.conv_seg...``), every branch fused."""
    state = {}
    for key, value in reference.state_dict().items():
        if key.startswith(('encoder.', 'decoder.')):
            state['backbone.' + key] = value
        else:
            state['decode_head.' + key] = value
    state['decode_head.fusion_weights'] = torch.ones(reference.depth)
    torch.save(dict(meta=dict(iter=1), state_dict=state), path)


def test_checkpoint_of_the_reference_loads_with_the_same_outputs(tmp_path):
    """A segmentor that loads the reference's weights strictly gives the
    outputs of the paper's equations (the reference)."""
    from mmengine.runner import load_checkpoint
    torch.manual_seed(0)
    reference = ReferenceUNetPlusPlus(channels=(8, 16, 32, 64),
                                      num_classes=5)
    for name, buf in reference.named_buffers():  # non-trivial BN statistics
        if name.endswith('running_mean'):
            buf.normal_()
        elif name.endswith('running_var'):
            buf.uniform_(0.5, 2.0)
    reference_checkpoint(tmp_path / 'reference.pth', reference)
    model = MODELS.build(deep_supervision_cfg(
        dict(type='UNetPlusPlus', base_channels=8, num_stages=4), width=8))
    load_checkpoint(model, str(tmp_path / 'reference.pth'), strict=True)
    x = torch.randn(2, 3, 45, 61)
    for train in (False, True):
        model.train(train)
        reference.train(train)
        with torch.no_grad():
            ours = model.decode_head.forward(model.extract_feat(x))
            expected = reference(x)
        assert len(ours) == len(expected) == 3
        # float rounding: channels_last on a CPU sums in another order
        for a, b in zip(ours, expected):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=0)
