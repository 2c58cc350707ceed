"""Per-level trade-off report of a UNet++ model: what each pruning level
costs and, with a checkpoint, what it scores.

``python tools/analysis_tools/level_report.py CONFIG [CKPT] [--size H W]
[--iters N] [--cfg-options ...]``

For every level k (the sub-network X(0, k), pruned in fast mode) and for
accurate mode: parameters, GFLOPs of one forward at ``--size``, and CPU
latency per image (median of ``--iters``). With a checkpoint, one test pass
over the config's test set adds each level's mIoU (``PerLevelIoUMetric``).
Prints a Markdown table.
"""
import argparse
import statistics
import time
from typing import Dict, Optional

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.utils.launch import load_config, require_file, set_work_dir


class _Logits(torch.nn.Module):
    """Backbone + head forward of a segmentor, for FLOP counting."""

    def __init__(self, segmentor: DeepSupervisionEncoderDecoder):
        super().__init__()
        self.segmentor = segmentor

    def forward(self, x: torch.Tensor):
        return self.segmentor.decode_head.forward(
            self.segmentor.extract_feat(x))


def set_level(model: DeepSupervisionEncoderDecoder,
              level: Optional[int]) -> None:
    """Fast mode at ``level``, or accurate mode for ``None``."""
    head = model.decode_head
    if level is None:
        head.mode = 'accurate'
    else:
        head.mode, head.level = 'fast', level
    model.sync_pruning()


def costs(model: DeepSupervisionEncoderDecoder, x: torch.Tensor,
          iters: int) -> Dict[str, float]:
    model.eval()
    analyzer = FlopAnalyzer(_Logits(model), (x, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    times = []
    with torch.no_grad():
        for k in range(iters + 1):
            start = time.perf_counter()
            model.decode_head.predict(
                model.extract_feat(x), [dict(img_shape=x.shape[2:])],
                model.test_cfg)
            if k:  # the first run warms up
                times.append(time.perf_counter() - start)
    return dict(gflops=analyzer.total() / 1e9,
                ms=1000 * statistics.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--size', type=int, nargs=2, default=(360, 480))
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    metrics: Dict[str, float] = {}
    if args.checkpoint:
        require_file(args.checkpoint, 'checkpoint')
        set_work_dir(cfg, args.work_dir, args.config)
        cfg.load_from = args.checkpoint
        runner = Runner.from_cfg(cfg)
        metrics = runner.test()
        model = runner.model
    else:
        model = MODELS.build(cfg.model)
    if not isinstance(model, DeepSupervisionEncoderDecoder):
        raise SystemExit('error: the report needs a '
                         'DeepSupervisionEncoderDecoder model')
    model = model.cpu()
    x = torch.randn(1, 3, *args.size)
    sizes = model.level_sizes
    rows = []
    for level in model.decode_head.levels + [None]:
        set_level(model, level)
        c = costs(model, x, args.iters)
        if level is None:
            params = sum(p.numel() for p in model.parameters())
            name, key = 'accurate', 'mIoU'
        else:
            params = sizes[level]
            name, key = f'l{level}', f'l{level}.mIoU'
        miou = metrics.get(key)
        rows.append((name, params / 1e6, c['gflops'], c['ms'], miou))
    print(f'\ninput 1x3x{args.size[0]}x{args.size[1]}, '
          f'{torch.get_num_threads()} CPU threads')
    print('| prediction | params (M) | GFLOPs | CPU ms/image | val mIoU |')
    print('|---|---|---|---|---|')
    for name, params, gflops, ms, miou in rows:
        score = '-' if miou is None else f'{float(miou):.2f}'
        print(f'| {name} | {params:.3f} | {gflops:.2f} | {ms:.1f} | '
              f'{score} |')


if __name__ == '__main__':
    main()
