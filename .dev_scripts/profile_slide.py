"""Where the time of a sliding-window prediction goes, by operator.

``python .dev_scripts/profile_slide.py CONFIG [--size 584 565]
[--batch-windows 16] [--rows 15]``

One image of random pixels at ``--size`` through the config's model
(random weights: the time does not depend on them), every level predicted
as a test pass that scores them does, ``--batch-windows`` windows per
forward, one thread; after one warm-up pass, PyTorch's profiler prints its
operators by self CPU time. Then the arithmetic: the pass's FLOPs
(PyTorch's ``FlopCounterMode``, two per multiply-add), its time and rate,
beside the rate of one bare 3x3 convolution (64 to 64 channels, 32x32, as
many maps as windows per forward, channels_last) on the same core: when
the two rates are close, the pass runs at what the core's convolutions
give, and only fewer FLOPs make it faster.
"""
import argparse

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch.profiler import ProfilerActivity, profile
from torch.utils.benchmark import Timer
from torch.utils.flop_counter import FlopCounterMode

from mmseg_unetpp.utils.launch import load_config, sync_bn_to_bn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--size', type=int, nargs=2, default=(584, 565))
    parser.add_argument('--batch-windows', type=int, default=16)
    parser.add_argument('--rows', type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    sync_bn_to_bn(cfg.model)
    cfg.model.test_cfg.batch_windows = args.batch_windows
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).eval()
    model.per_level = True
    h, w = args.size
    image = torch.randn(1, 3, h, w)
    metas = [dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))]
    levels = model.levels_to_predict
    with torch.no_grad():
        model.inference(image, metas, levels)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.inference(image, metas, levels)
    print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                    row_limit=args.rows))
    with torch.no_grad():
        counter = FlopCounterMode(display=False)
        with counter:
            model.inference(image, metas, levels)
        flops = counter.get_total_flops()
        seconds = _median_seconds(
            lambda: model.inference(image, metas, levels))
        conv = torch.nn.Conv2d(64, 64, 3, padding=1).eval()
        maps = torch.randn(args.batch_windows, 64, 32, 32).contiguous(
            memory_format=torch.channels_last)
        conv_seconds = _median_seconds(lambda: conv(maps))
    conv_flops = 2 * maps.numel() * 64 * 9
    print(f'pass: {flops / 1e9:.1f} GFLOP in {seconds:.3f} s, '
          f'{flops / seconds / 1e9:.0f} GFLOP/s; a bare 3x3 conv '
          f'(64 to 64, {args.batch_windows}x32x32): '
          f'{conv_flops / conv_seconds / 1e9:.0f} GFLOP/s')


def _median_seconds(step) -> float:
    """Median of 3 timed calls (PyTorch's ``Timer``, one thread)."""
    return Timer('step()', globals=dict(step=step)).timeit(3).median


if __name__ == '__main__':
    main()
