import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS, OPTIM_WRAPPERS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.engine.optimizers import bf16_optim_wrapper
from mmseg_unetpp.models.backbones import EfficientNetLite


class Logged(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def tiny_model():
    init_default_scope('mmseg')
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor',
                                   mean=[0.] * 3, std=[255.] * 3,
                                   size=(16, 16)),
            backbone=dict(type='UNetPlusPlus', base_channels=4,
                          num_stages=3),
            decode_head=dict(type='DeepSupervisionHead', in_channels=4,
                             channels=4, in_index=[0, 1], num_classes=3)))


def batch():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(16, 16),
                                             ori_shape=(16, 16),
                                             pad_shape=(16, 16)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 3, (1, 16, 16), generator=g))
        samples.append(sample)
    return dict(inputs=[torch.rand(3, 16, 16, generator=g) * 255
                        for _ in range(2)], data_samples=samples)


def conv_dtypes(model, wrapper, steps=2):
    """The dtype of the first convolution's output in each train step."""
    found = []
    conv = next(m for m in model.modules()
                if isinstance(m, torch.nn.Conv2d))
    hook = conv.register_forward_hook(
        lambda module, args, out: found.append(out.dtype))
    try:
        for _ in range(steps):
            model.train_step(batch(), wrapper)
    finally:
        hook.remove()
    return found


@pytest.mark.parametrize('has, cpu_flags, dtype, warning', [
    (('avx512_bf16', 'amx_bf16'), None, torch.bfloat16, None),
    (('avx512_bf16', ), None, torch.float32, 'none of amx_bf16'),
    (('avx512_bf16', ), ('amx_bf16', 'avx512_bf16'), torch.bfloat16, None),
    ((), None, torch.float32, 'neither AMX nor AVX512-BF16'),
])
def test_autocast_where_the_cpu_computes_bf16_fast(monkeypatch, has,
                                                   cpu_flags, dtype,
                                                   warning):
    """bfloat16 autocast on a CPU with AMX, or one with a flag the user
    names in ``cpu_flags``; elsewhere one warning line, and float32."""

    def flags_of_this_cpu(cpuinfo='/proc/cpuinfo',
                          flags=bf16_optim_wrapper.BF16_CPU_FLAGS):
        return next((flag for flag in flags if flag in has), None)

    monkeypatch.setattr(bf16_optim_wrapper, 'cpu_bf16_flags',
                        flags_of_this_cpu)
    torch.manual_seed(0)
    model = tiny_model()
    options = {} if cpu_flags is None else dict(cpu_flags=cpu_flags)
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='Bf16OptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
             **options))
    before = [p.detach().clone() for p in model.parameters()]
    logged = Logged()
    logger = MMLogger.get_current_instance()
    logger.addHandler(logged)
    try:
        assert conv_dtypes(model, wrapper) == [dtype, dtype]
    finally:
        logger.removeHandler(logged)
    assert wrapper.enabled == (dtype == torch.bfloat16)
    warnings = [line for line in logged.lines if 'Bf16OptimWrapper' in line]
    if warning is None:
        assert not warnings
    else:
        assert len(warnings) == 1
        assert warning in warnings[0]
        assert 'training in float32' in warnings[0]
    for p, old in zip(model.parameters(), before):
        assert p.dtype == torch.float32 and torch.isfinite(p).all()
    assert any(not torch.equal(p, old)
               for p, old in zip(model.parameters(), before))


def test_cpu_flags_are_checked():
    """A flag it does not know is a config error (one line from the tools);
    one flag given as a string is that flag."""
    from mmseg_unetpp.utils.errors import ConfigError

    def build(flags):
        model = torch.nn.Linear(2, 2)
        return OPTIM_WRAPPERS.build(
            dict(type='Bf16OptimWrapper',
                 optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                 cpu_flags=flags))

    with pytest.raises(ConfigError, match=r"\['avx2'\] is not one of"):
        build(['avx2'])
    assert build('avx512_bf16').cpu_flags == ('avx512_bf16', )


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor : 0\nflags : fpu avx2 avx512f\n')
    assert bf16_optim_wrapper.cpu_bf16_flags(str(cpuinfo)) is None
    cpuinfo.write_text('flags : fpu avx512f avx512_bf16 amx_tile\n')
    assert bf16_optim_wrapper.cpu_bf16_flags(str(cpuinfo)) == 'avx512_bf16'
    assert bf16_optim_wrapper.cpu_bf16_flags(
        str(cpuinfo), flags=('amx_bf16', )) is None
    assert bf16_optim_wrapper.cpu_bf16_flags(str(tmp_path / 'no')) is None


def test_efficientnet_lite_trains_under_bf16_autocast():
    """The encoder's fast forward leaves bfloat16 convolutions to PyTorch
    (its own depthwise gradient is float32), so a backward pass under
    autocast gives float32 gradients everywhere."""
    model = EfficientNetLite(arch='lite0', drop_path_rate=0.0).train()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outs = model(torch.randn(2, 3, 40, 40))
    assert outs[-1].dtype == torch.bfloat16
    sum(o.float().mean() for o in outs).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(g.dtype == torch.float32 and torch.isfinite(g).all()
                         for g in grads)
