"""bfloat16 autocast for training, on a CPU as on a GPU."""
import logging
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS
from torch import nn

from mmseg_unetpp.utils.errors import ConfigError

# /proc/cpuinfo flags of the x86 units that compute in bfloat16.
BF16_CPU_FLAGS = ('amx_bf16', 'avx512_bf16')
# Those on which bfloat16 autocast is faster than float32. AVX512-BF16
# alone is not: on a Xeon with it and no AMX, a CamVid training step of
# UNet++ over EfficientNet-Lite0 took 681 ms in bfloat16 against 411 ms in
# float32, a DRIVE step 264 against 151 (docs/en/advanced_guides/speed.md).
FAST_BF16_CPU_FLAGS = ('amx_bf16', )


def cpu_bf16_flags(cpuinfo: str = '/proc/cpuinfo',
                   flags: Sequence[str] = BF16_CPU_FLAGS) -> Optional[str]:
    """The first of ``flags`` the CPU has, or None (also when ``cpuinfo``
    cannot be read: not Linux)."""
    try:
        with open(cpuinfo) as f:
            found = next((line.split(':', 1)[1].split()
                          for line in f if line.startswith('flags')), [])
    except OSError:
        return None
    return next((flag for flag in flags if flag in found), None)


def bf16_unsupported(
        device: str,
        cpu_flags: Sequence[str] = FAST_BF16_CPU_FLAGS) -> Optional[str]:
    """Why ``device`` ('cpu', 'cuda') computes bfloat16 no faster than
    float32, or None when it has the hardware for it: on a CPU, one of
    ``cpu_flags``."""
    if device == 'cuda':
        return (None if torch.cuda.is_bf16_supported() else
                'this GPU has no bfloat16 units')
    if device == 'cpu':
        if cpu_bf16_flags(flags=cpu_flags):
            return None
        has = cpu_bf16_flags()
        return (f'this CPU has {has} but none of {", ".join(cpu_flags)}, '
                'on which bfloat16 is slower than float32 (set the '
                f"wrapper's cpu_flags to include {has} to run it anyway)"
                if has else 'this CPU has neither AMX nor AVX512-BF16 '
                f"(lscpu flags {', '.join(BF16_CPU_FLAGS)})")
    return f'bfloat16 autocast is not set up for {device} devices'


@OPTIM_WRAPPERS.register_module()
class Bf16OptimWrapper(OptimWrapper):
    """MMEngine's ``OptimWrapper`` that runs the forward pass and the loss
    under ``torch.autocast`` in bfloat16, on a CPU too.

    MMEngine's ``AmpOptimWrapper`` refuses a CPU. bfloat16 has float32's
    exponent range, so no loss scaling is needed: the weights, the
    gradients and the optimizer stay in float32, and autocast runs the
    convolutions and matrix products in bfloat16. That pays only on
    hardware that computes in bfloat16 faster than in float32: a CPU with
    AMX (``lscpu`` flag ``amx_bf16``), a GPU with bfloat16 units. On a CPU
    with AVX512-BF16 and no AMX, training steps were 1.6-1.7 times slower
    than in float32. Elsewhere the wrapper logs one line when training
    starts and trains in float32.

    Use it as ``optim_wrapper=dict(type='Bf16OptimWrapper',
    optimizer=...)``, or ``tools/train.py --bf16``.

    Args:
        cpu_flags (Sequence[str]): The ``/proc/cpuinfo`` flags of which a
            CPU needs one for autocast to run on it. Defaults to
            ``('amx_bf16',)``; add ``'avx512_bf16'`` to run it on such a
            CPU all the same.

    Attributes:
        enabled (bool, optional): Whether autocast runs; None until the
            first ``optim_context``, which reads the model's device.
    """

    def __init__(self,
                 *args,
                 cpu_flags: Sequence[str] = FAST_BF16_CPU_FLAGS,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(cpu_flags, str):
            cpu_flags = (cpu_flags, )
        unknown = set(cpu_flags) - set(BF16_CPU_FLAGS)
        if unknown:
            raise ConfigError(
                f'Bf16OptimWrapper cpu_flags: {sorted(unknown)} is not one '
                f'of {BF16_CPU_FLAGS}')
        self.cpu_flags = tuple(cpu_flags)
        self.enabled: Optional[bool] = None

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """As ``OptimWrapper.optim_context``, under bfloat16 autocast when
        the model's device computes in bfloat16."""
        device = next(model.parameters()).device.type
        if self.enabled is None:
            reason = bf16_unsupported(device, self.cpu_flags)
            self.enabled = reason is None
            if reason:
                print_log(f'Bf16OptimWrapper: {reason}; training in float32',
                          logger='current', level=logging.WARNING)
        with super().optim_context(model):
            with torch.autocast(device, dtype=torch.bfloat16,
                                enabled=self.enabled):
                yield
