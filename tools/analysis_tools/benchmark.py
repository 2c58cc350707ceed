"""Speed and memory of UNet++ against a reference, MONAI and MMSeg's U-Net.

``python tools/analysis_tools/benchmark.py [--sizes 176x240 ...] [--batch 2]
[--width 32] [--iters 5] [--models unetpp reference monai unet ...]
[--device cpu|cuda] [--amp] [--channels-last] [--ori-size HxW]``

Each model runs in subprocesses of its own (one for time, one for peak
memory), so that peak memory is its own. A training step is a forward, a
cross-entropy loss on every output (deep supervision: each level's
logits; U-Net: its head and auxiliary head), backward and an SGD update;
eval is an accurate-mode forward (the mean of the levels' probabilities).
Times are medians over ``--iters`` after two warm-up runs; peak memory is
the growth of the process's peak resident set (CPU) or of the peak
allocated CUDA memory over the model's steady state. Ratios compare each
model with the reference.

Models:

- ``unetpp``: this package's UNet++ (l4, width ``--width``, deep
  supervision) as configured by default; ``unetpp-lean`` with
  ``memory_efficient=True``; ``unetpp-cp`` with ``with_cp=True``;
- ``reference``: ``mmseg_unetpp.testing.ReferenceUNetPlusPlus``, UNet++
  written straight from the paper's equations (concatenate, then conv; bilinear
  up-sampling);
- ``monai``: MONAI's ``BasicUNetPlusPlus`` at the same widths, BN, ReLU,
  bilinear up-sampling and deep supervision (it halves the up-sampled
  channels with a 1x1 conv first, so it is a little smaller). MONAI is a
  benchmark-only dependency: ``pip install monai``;
- ``unet``: MMSeg's ``UNet`` at width ``--width`` with its FCN head and
  auxiliary head, as ``configs/_base_/models/unet.py`` builds it;
- ``unetpp-r18``: UNet++ over ResNetV1c-18 (``UNetPlusPlusNeck``);
- a config file (``configs/fpn/....py``): its model (BN for SyncBN), the
  loss on every output of its decode head (``NUM_CLASSES`` is the
  config's), eval its default prediction (``encode_decode``), so that a
  UNet++ config and a stock decoder's config compare in one run. A
  config's row also times ``predict``, the prediction as
  ``inference_model`` and ``tools/test.py`` make it: the logits resized
  to the image's original size (``--ori-size``, default the input's) and
  each pixel's class.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from mmseg_unetpp.testing import ReferenceUNetPlusPlus
from mmseg_unetpp.utils.launch import ArgumentParser, parse_size, run_tool

NUM_CLASSES = 11
MODELS_TO_RUN = ('unetpp', 'reference', 'monai', 'unet')
NAMES = ('unetpp', 'unetpp-lean', 'unetpp-cp', 'reference', 'monai', 'unet',
         'unetpp-r18')


def build(name: str, width: int) -> Tuple[nn.Module, Callable]:
    """The model and a function image -> list of logits (training losses
    apply to each; eval averages their probabilities)."""
    channels = [width * 2**i for i in range(5)]
    if name == 'reference':
        model = ReferenceUNetPlusPlus(channels)
        return model, model
    if name.endswith('.py'):
        return build_config(name)
    if name == 'monai':
        from monai.networks.nets import BasicUNetPlusPlus
        model = BasicUNetPlusPlus(
            spatial_dims=2,
            in_channels=3,
            out_channels=NUM_CLASSES,
            features=tuple(channels) + (width, ),
            deep_supervision=True,
            act=('ReLU', {'inplace': True}),
            norm=('batch', {}),
            bias=False,
            upsample='nontrainable')
        return model, model
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_unetpp  # noqa: F401
    init_default_scope('mmseg')
    norm_cfg = dict(type='BN')
    if name == 'unet':
        model = MODELS.build(
            dict(
                type='EncoderDecoder',
                backbone=dict(
                    type='UNet', base_channels=width, norm_cfg=norm_cfg),
                decode_head=dict(
                    type='FCNHead',
                    in_channels=width,
                    in_index=4,
                    channels=width,
                    num_convs=1,
                    concat_input=False,
                    num_classes=NUM_CLASSES,
                    norm_cfg=norm_cfg),
                auxiliary_head=dict(
                    type='FCNHead',
                    in_channels=2 * width,
                    in_index=3,
                    channels=width,
                    num_convs=1,
                    concat_input=False,
                    num_classes=NUM_CLASSES,
                    norm_cfg=norm_cfg)))

        def unet(x):
            feats = model.extract_feat(x)
            logits = [model.decode_head(feats)]
            if model.training:
                aux = model.auxiliary_head(feats)
                logits.append(
                    F.interpolate(aux, x.shape[2:], mode='bilinear'))
            return logits

        return model, unet
    head = dict(
        type='DeepSupervisionHead',
        in_channels=width,
        channels=width,
        in_index=[0, 1, 2, 3],
        num_classes=NUM_CLASSES,
        norm_cfg=norm_cfg)
    if name == 'unetpp-r18':
        model = MODELS.build(
            dict(
                type='DeepSupervisionEncoderDecoder',
                backbone=dict(
                    type='ResNetV1c',
                    depth=18,
                    out_indices=(0, 1, 2, 3),
                    norm_cfg=norm_cfg),
                neck=dict(
                    type='UNetPlusPlusNeck',
                    in_channels=[64, 128, 256, 512],
                    norm_cfg=norm_cfg),
                decode_head=dict(
                    head, in_channels=64, channels=64, in_index=[0, 1, 2])))
    else:
        options = {
            'unetpp': {},
            'unetpp-lean': dict(memory_efficient=True),
            'unetpp-cp': dict(with_cp=True)
        }[name]
        model = MODELS.build(
            dict(
                type='DeepSupervisionEncoderDecoder',
                backbone=dict(
                    type='UNetPlusPlus',
                    base_channels=width,
                    norm_cfg=norm_cfg,
                    **options),
                decode_head=head))

    def unetpp(x):
        logits = model.decode_head(model.extract_feat(x))
        return [
            F.interpolate(y, x.shape[2:], mode='bilinear')
            if y.shape[2:] != x.shape[2:] else y for y in logits
        ]

    return model, unetpp


def build_config(path: str) -> Tuple[nn.Module, Callable]:
    """The model of a config and its outputs: every logit map of its
    decode head when training, its default prediction in eval."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from mmseg_unetpp.utils.launch import load_config, sync_bn_to_bn
    cfg = load_config(path)
    sync_bn_to_bn(cfg.model)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)

    def outputs(x):
        if not model.training:
            h, w = x.shape[2:]
            metas = [dict(img_shape=(h, w), ori_shape=(h, w),
                          pad_shape=(h, w))] * x.shape[0]
            return [model.encode_decode(x, metas)]
        logits = model.decode_head(model.extract_feat(x))
        return [
            F.interpolate(y, x.shape[2:], mode='bilinear')
            for y in (logits if isinstance(logits, (list, tuple)) else
                      [logits])
        ]

    return model, outputs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def measure(args: argparse.Namespace) -> Dict[str, float]:
    """Run in the worker process: time and peak memory of one model."""
    torch.manual_seed(0)
    device = torch.device(args.device)
    model, logits_of = build(args.worker, args.width)
    model.to(device)
    h, w = args.size
    x = torch.randn(args.batch, 3, h, w, device=device)
    classes = getattr(getattr(model, 'decode_head', None), 'out_channels',
                      NUM_CLASSES)
    y = torch.randint(0, classes, (args.batch, h, w), device=device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optim = torch.optim.SGD(model.parameters(), lr=1e-3)
    cuda = device.type == 'cuda'
    amp = torch.autocast(device.type, dtype=torch.float16, enabled=args.amp)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def train_step():
        model.train()
        optim.zero_grad()
        with amp:
            loss = sum(F.cross_entropy(z.float(), y) for z in logits_of(x))
        loss.backward()
        optim.step()
        sync()

    def eval_step():
        model.eval()
        with torch.no_grad(), amp:
            probs = [z.float().softmax(1) for z in logits_of(x)]
            torch.stack(probs).mean(0).log()
        sync()

    def median_ms(step: Callable[[], None]) -> float:
        for _ in range(2):
            step()
        times = []
        for _ in range(args.iters):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    def peak_mb() -> float:
        if cuda:
            return (torch.cuda.max_memory_allocated() - base) / 2**20
        return peak_rss_mb() - base

    def predict_step():
        model.eval()
        metas = dict(img_shape=(h, w), pad_shape=(h, w),
                     ori_shape=args.ori_size or (h, w))
        with torch.no_grad(), amp:
            model.predict(x, [SegDataSample(metainfo=metas)] * args.batch)
        sync()

    sync()
    if args.measure == 'time':
        found = dict(
            params_m=sum(p.numel() for p in model.parameters()) / 1e6,
            eval_ms=median_ms(eval_step),
            train_ms=median_ms(train_step))
        if args.worker.endswith('.py'):
            found['predict_ms'] = median_ms(predict_step)
        return found
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = rss_mb()
    eval_step()
    eval_peak = peak_mb()
    for _ in range(2):  # the first step also allocates the gradients
        train_step()
    return dict(eval_peak_mb=eval_peak, train_peak_mb=peak_mb())


def run_worker(name: str, size: Tuple[int, int],
               args: argparse.Namespace) -> Dict[str, float]:
    """Measure one model: time in one fresh subprocess, memory in
    another."""
    cmd = [
        sys.executable, __file__, '--worker', name, '--size',
        str(size[0]),
        str(size[1]), '--batch',
        str(args.batch), '--width',
        str(args.width), '--iters',
        str(args.iters), '--device', args.device
    ]
    cmd += ['--amp'] * args.amp + ['--channels-last'] * args.channels_last
    if args.ori_size:
        cmd += ['--ori-size', '{}x{}'.format(*args.ori_size)]
    result = {}
    for measure in ('time', 'memory'):
        env = dict(os.environ)
        if measure == 'memory':
            # Large blocks come from mmap and go back at free, so the
            # resident set follows the live tensors and its peak is the
            # model's. (Not while timing: it costs page faults.)
            env['MALLOC_MMAP_THRESHOLD_'] = '131072'
        proc = subprocess.run(
            cmd + ['--measure', measure],
            capture_output=True,
            text=True,
            env=env)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ['?'])[-1]
            return dict(error=tail)
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return result


def report(results: Dict[str, Dict[str, float]], size: Tuple[int, int],
           args: argparse.Namespace) -> None:
    # Ratios against the reference, else against the first model.
    base = 'reference' if 'reference' in results else next(iter(results))
    ref = results[base]
    print(f'\ninput {args.batch}x3x{size[0]}x{size[1]}, width {args.width}, '
          f'{args.device}, {torch.get_num_threads()} threads, torch '
          f'{torch.__version__}' + (', AMP' if args.amp else '') +
          (', channels_last' if args.channels_last else '') +
          f'; ratios against {os.path.basename(base)}')
    predicts = any('predict_ms' in r for r in results.values())
    if predicts:
        print('predict: to {}x{}, the class of each pixel'.format(
            *(args.ori_size or size)))
    print('| model | params (M) | train step (ms) | eval (ms) | train peak '
          '(MB) | eval peak (MB) | train speed-up | eval speed-up | train '
          'memory |' + (' predict (ms) | predict speed-up |' * predicts))
    print('|---|---|---|---|---|---|---|---|---|' + '---|---|' * predicts)
    for path, r in results.items():
        name = os.path.basename(path)
        if 'error' in r:
            print(f'| {name} | failed: {r["error"]} |||||||')
            continue

        def ratio(key, inverse=False):
            if key not in ref or key not in r:
                return '-'
            value = r[key] / ref[key] if inverse else ref[key] / r[key]
            return f'{value:.2f}x'

        predict = (f' {r["predict_ms"]:.0f} |' if 'predict_ms' in r else
                   ' - |') + f' {ratio("predict_ms")} |'
        print(f'| {name} | {r["params_m"]:.2f} | {r["train_ms"]:.0f} | '
              f'{r["eval_ms"]:.0f} | {r["train_peak_mb"]:.0f} | '
              f'{r["eval_peak_mb"]:.0f} | {ratio("train_ms")} | '
              f'{ratio("eval_ms")} | {ratio("train_peak_mb", True)} |' +
              predict * predicts)


def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--sizes',
        type=parse_size,
        nargs='+',
        default=[(176, 240)],
        metavar='HxW')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--width', type=int, default=32)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument(
        '--models', nargs='+', default=list(MODELS_TO_RUN),
        metavar='MODEL', help='a name (' + ', '.join(NAMES) + ') or a '
        'config file')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--amp', action='store_true', help='float16 autocast (CUDA)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='convert the model and input to channels_last first')
    parser.add_argument(
        '--ori-size',
        type=parse_size,
        metavar='HxW',
        help="a config's predict: the original image size (default: the "
        'input size)')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument(
        '--measure', choices=['time', 'memory'], help=argparse.SUPPRESS)
    parser.add_argument(
        '--size', type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in args.models:
        if name not in NAMES and not (name.endswith('.py')
                                      and os.path.isfile(name)):
            parser.error(f'--models: {name!r} is neither one of '
                         f"{', '.join(NAMES)} nor a config file")
    if args.worker:
        print(json.dumps(measure(args)))
        return
    for size in args.sizes:
        results = {name: run_worker(name, size, args) for name in args.models}
        report(results, size, args)


if __name__ == '__main__':
    sys.exit(run_tool(main))
