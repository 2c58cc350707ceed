"""Time the ideas tried for UNet++'s CPU speed, one against another.

``python .dev_scripts/speed_ideas.py [--size 176 240] [--batch 2]
[--width 32] [--rounds 5] [--compile]``

Every variant is the package's ``UNetPlusPlus`` (l4) with four 1x1
classifiers and cross-entropy, in one process; the variants take turns
for ``--rounds`` rounds and the median of each is printed (a train step:
forward, loss, backward, SGD update; eval: an accurate-mode forward).

- ``concat, NCHW``: ``fast_cpu=False`` and no conv-BN folding, the
  paper's concatenation as written;
- ``channels_last``: the fast path without the split first convolutions;
- ``channels_last + split``: the fast path (``fast_cpu=True``);
- ``+ conv-BN folding in eval``: MMCV's ``efficient_conv_bn_eval``, which
  every node turns on: the package's default;
- ``+ 2x up-sampling backward as a conv``: the default, with the exact
  adjoint of 2x bilinear up-sampling as a depthwise convolution in
  backward;
- ``channels_last + split + torch.compile`` (with ``--compile``):
  inductor, which folds conv-BN itself; its compile time is printed too.
"""
import argparse
import os
import statistics
import tempfile
import time
from typing import Callable, Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.backbones import UNetPlusPlus
from mmseg_unetpp.models.utils import NestedDecoder

NUM_CLASSES = 11


def bilinear_2x_adjoint(grad: torch.Tensor) -> torch.Tensor:
    """The transpose of 2x bilinear up-sampling (align_corners=False): a
    stride-2 depthwise convolution with the kernel [1, 3, 3, 1] / 4 in each
    direction over the replicate-padded gradient."""
    channels = grad.shape[1]
    taps = grad.new_tensor([0.25, 0.75, 0.75, 0.25])
    kernel = (taps[:, None] * taps[None, :]).expand(channels, 1, 4, 4)
    return F.conv2d(
        F.pad(grad, (1, 1, 1, 1), mode='replicate'),
        kernel.contiguous(),
        stride=2,
        groups=channels)


class Bilinear2x(torch.autograd.Function):
    """2x bilinear up-sampling with :func:`bilinear_2x_adjoint` as its
    backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(
            x, scale_factor=2, mode='bilinear', align_corners=False)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return bilinear_2x_adjoint(grad)


class ChannelsLastOnly(NestedDecoder):
    """The fast CPU path without the split first convolutions."""

    def forward(self, encoder, level=None):
        level = self.resolve_level(level)
        encoder = [
            f.contiguous(memory_format=torch.channels_last)
            for f in encoder[:level + 1]
        ]
        return self.decode(encoder, level)


class ConvUpsamplingBackward(NestedDecoder):
    """The default, with :class:`Bilinear2x` for exact 2x up-sampling."""

    def up(self, i, j, x, size):
        if torch.is_grad_enabled() and tuple(size) == (2 * x.shape[2],
                                                       2 * x.shape[3]):
            return Bilinear2x.apply(x)
        return super().up(i, j, x, size)


class WithHeads(nn.Module):
    """The backbone and four 1x1 classifiers (deep supervision)."""

    def __init__(self, backbone: UNetPlusPlus, width: int):
        super().__init__()
        self.backbone = backbone
        self.heads = nn.ModuleList(
            nn.Conv2d(width, NUM_CLASSES, 1) for _ in range(4))

    def forward(self, x: torch.Tensor):
        return [h(o) for h, o in zip(self.heads, self.backbone(x))]


def without_folding(model: nn.Module) -> nn.Module:
    """Turn MMCV's conv-BN folding in eval off again."""
    for m in model.modules():
        if hasattr(m, 'turn_on_efficient_conv_bn_eval'):
            m.turn_on_efficient_conv_bn_eval(False)
    return model


def variants(width: int, compile_model: bool) -> Dict[str, nn.Module]:
    def make(decoder=None, **kwargs) -> nn.Module:
        torch.manual_seed(0)
        backbone = UNetPlusPlus(base_channels=width, **kwargs)
        if decoder is not None:  # the same weights, another forward
            backbone.decoder.__class__ = decoder
        return WithHeads(backbone, width)

    models = {
        'concat, NCHW': without_folding(make(fast_cpu=False)),
        'channels_last': without_folding(make(ChannelsLastOnly)),
        'channels_last + split': without_folding(make()),
        '+ conv-BN folding in eval (default)': make(),
        '+ 2x up-sampling backward as a conv': make(ConvUpsamplingBackward),
    }
    if compile_model:
        # MMCV's folding swaps a module's forward, which dynamo cannot trace.
        models['channels_last + split + torch.compile'] = torch.compile(
            without_folding(make()))
    return models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, nargs=2, default=(176, 240))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--width', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--compile', action='store_true')
    args = parser.parse_args()
    if args.compile:  # a cold cache, so that the compile time is all of it
        os.environ['TORCHINDUCTOR_CACHE_DIR'] = tempfile.mkdtemp()
    init_default_scope('mmseg')
    x = torch.randn(args.batch, 3, *args.size)
    y = torch.randint(0, NUM_CLASSES, (args.batch, *args.size))
    models = variants(args.width, args.compile)

    def train_step(model: nn.Module, optim: torch.optim.Optimizer) -> None:
        model.train()
        optim.zero_grad()
        sum(F.cross_entropy(z, y) for z in model(x)).backward()
        optim.step()

    def eval_step(model: nn.Module) -> None:
        model.eval()
        with torch.no_grad():
            torch.stack([z.softmax(1) for z in model(x)]).mean(0)

    steps: Dict[str, Dict[str, Callable[[], None]]] = {}
    for name, model in models.items():
        optim = torch.optim.SGD(model.parameters(), lr=1e-3)
        steps[name] = dict(
            train=lambda m=model, o=optim: train_step(m, o),
            eval=lambda m=model: eval_step(m))
        start = time.perf_counter()
        steps[name]['train']()  # warm-up (compiles)
        steps[name]['eval']()
        first = time.perf_counter() - start
        if name.endswith('torch.compile'):
            print(f'torch.compile: first train step and eval {first:.0f} s')
    times = {name: dict(train=[], eval=[]) for name in models}
    for _ in range(args.rounds):
        for name, step in steps.items():
            for phase in ('train', 'eval'):
                start = time.perf_counter()
                step[phase]()
                times[name][phase].append(time.perf_counter() - start)
    base = {
        phase: statistics.median(times['concat, NCHW'][phase])
        for phase in ('train', 'eval')
    }
    print(f'input {args.batch}x3x{args.size[0]}x{args.size[1]}, width '
          f'{args.width}, {torch.get_num_threads()} threads, median of '
          f'{args.rounds}')
    print('| variant | train step (ms) | eval (ms) | train vs concat | '
          'eval vs concat |')
    print('|---|---|---|---|---|')
    for name, t in times.items():
        train, evaluation = (statistics.median(t[p]) for p in ('train',
                                                                 'eval'))
        print(f'| {name} | {1000 * train:.0f} | {1000 * evaluation:.0f} | '
              f'{base["train"] / train:.2f}x | '
              f'{base["eval"] / evaluation:.2f}x |')


if __name__ == '__main__':
    main()
