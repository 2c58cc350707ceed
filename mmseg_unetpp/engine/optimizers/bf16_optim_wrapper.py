"""bfloat16 autocast for training, on a CPU as on a GPU."""
import logging
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS
from torch import nn

# /proc/cpuinfo flags of the x86 units that compute in bfloat16.
BF16_CPU_FLAGS = ('amx_bf16', 'avx512_bf16')


def cpu_bf16_flags(cpuinfo: str = '/proc/cpuinfo') -> Optional[str]:
    """The first of :data:`BF16_CPU_FLAGS` the CPU has, or None (also when
    ``cpuinfo`` cannot be read: not Linux)."""
    try:
        with open(cpuinfo) as f:
            flags = next((line.split(':', 1)[1].split()
                          for line in f if line.startswith('flags')), [])
    except OSError:
        return None
    return next((flag for flag in BF16_CPU_FLAGS if flag in flags), None)


def bf16_unsupported(device: str) -> Optional[str]:
    """Why ``device`` ('cpu', 'cuda') computes bfloat16 no faster than
    float32, or None when it has the hardware for it."""
    if device == 'cuda':
        return (None if torch.cuda.is_bf16_supported() else
                'this GPU has no bfloat16 units')
    if device == 'cpu':
        return (None if cpu_bf16_flags() else
                'this CPU has neither AMX nor AVX512-BF16 (lscpu flags '
                f"{', '.join(BF16_CPU_FLAGS)})")
    return f'bfloat16 autocast is not set up for {device} devices'


@OPTIM_WRAPPERS.register_module()
class Bf16OptimWrapper(OptimWrapper):
    """MMEngine's ``OptimWrapper`` that runs the forward pass and the loss
    under ``torch.autocast`` in bfloat16, on a CPU too.

    MMEngine's ``AmpOptimWrapper`` refuses a CPU. bfloat16 has float32's
    exponent range, so no loss scaling is needed: the weights, the
    gradients and the optimizer stay in float32, and autocast runs the
    convolutions and matrix products in bfloat16. That pays only on
    hardware that computes in bfloat16: a CPU with AMX or AVX512-BF16
    (``lscpu`` flags ``amx_bf16``, ``avx512_bf16``), a GPU with bfloat16
    units. Elsewhere the wrapper logs one line when training starts and
    trains in float32.

    Use it as ``optim_wrapper=dict(type='Bf16OptimWrapper',
    optimizer=...)``, or ``tools/train.py --bf16``.

    Attributes:
        enabled (bool, optional): Whether autocast runs; None until the
            first ``optim_context``, which reads the model's device.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enabled: Optional[bool] = None

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """As ``OptimWrapper.optim_context``, under bfloat16 autocast when
        the model's device computes in bfloat16."""
        device = next(model.parameters()).device.type
        if self.enabled is None:
            reason = bf16_unsupported(device)
            self.enabled = reason is None
            if reason:
                print_log(f'Bf16OptimWrapper: {reason}; training in float32',
                          logger='current', level=logging.WARNING)
        with super().optim_context(model):
            with torch.autocast(device, dtype=torch.bfloat16,
                                enabled=self.enabled):
                yield
