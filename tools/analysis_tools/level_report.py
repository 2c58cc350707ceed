"""Per-level trade-off report of a UNet++ model: what each pruning level
costs and, with a checkpoint, what it scores; which level to pick.

``python tools/analysis_tools/level_report.py CONFIG [CKPT] [--size H W]
[--iters N] [--device cpu|cuda] [--out DIR] [--tolerance T] [--in-model]
[--cfg-options ...]``

For every level k and for accurate mode, of the model a deployment runs
(for level k the pruned sub-network that ``tools/prune.py`` writes, for
accurate mode the whole model): parameters, GFLOPs of one forward at
``--size``, latency per image on ``--device`` (median of ``--iters``) and
the size of its weights-only checkpoint. With a checkpoint, one test pass
over the config's test set adds each level's mIoU (``PerLevelIoUMetric``;
the pass runs where MMEngine puts it) and the smallest level within
``--tolerance`` mIoU points of the best is recommended. Prints a Markdown
table and the pick last; ``--out`` also writes ``levels.json`` and
``levels.png``.

``--in-model`` measures each level in fast mode inside the whole model
instead: what eval-time pruning buys without an export. ``UNetPlusPlus``
still stops its encoder at row k there, but an MMSeg encoder under the
nested neck computes all its stages; parameters and checkpoint size are
then the whole model's for every level.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import time
from typing import Dict, Optional, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import ConfigDict, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.apis import (
    PruningError,
    build_segmentor,
    check_state_dict,
    checkpoint_bytes,
    prune,
    read_checkpoint,
    set_fast_mode,
    weights_checkpoint,
)
from mmseg_unetpp.apis.level_report import (
    LevelRow,
    plot_levels,
    recommend,
    report_json,
)
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.utils.launch import load_config, require_file, set_work_dir


class _Logits(torch.nn.Module):
    """Backbone (+ neck) + head forward of a segmentor, for FLOP counting.

    It also returns the backbone's outputs: the count comes from a traced
    graph, which drops what no output depends on, such as the encoder
    stages that a pruned neck does not read but the model still computes.
    """

    def __init__(self, segmentor: torch.nn.Module):
        super().__init__()
        self.segmentor = segmentor

    def forward(self, x: torch.Tensor):
        segmentor = self.segmentor
        features = segmentor.backbone(x)
        inputs = segmentor.neck(features) if segmentor.with_neck else features
        return segmentor.decode_head.forward(inputs), tuple(features)


def costs(model: torch.nn.Module, x: torch.Tensor,
          iters: int) -> Dict[str, float]:
    """GFLOPs and median latency (ms) of one prediction of ``x``."""
    model.eval()
    analyzer = FlopAnalyzer(_Logits(model), (x, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    cuda = x.device.type == 'cuda'
    times = []
    with torch.no_grad():
        for k in range(iters + 1):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model.decode_head.predict(
                model.extract_feat(x), [dict(img_shape=x.shape[2:])],
                model.test_cfg)
            if cuda:
                torch.cuda.synchronize()
            if k:  # the first run warms up
                times.append(time.perf_counter() - start)
    return dict(gflops=analyzer.total() / 1e9,
                ms=1000 * statistics.median(times))


def prediction(model_cfg: ConfigDict, state_dict: dict, meta: dict,
               level: Optional[int],
               in_model: bool = False) -> Tuple[torch.nn.Module, int]:
    """The model a deployment of ``level`` runs (None: accurate mode, the
    whole model; else the pruned sub-network that ``tools/prune.py``
    writes, or with ``in_model`` the whole model in fast mode at
    ``level``) and the bytes of its weights-only checkpoint."""
    if level is None or in_model:
        model = build_segmentor(model_cfg)
        model.load_state_dict(state_dict, strict=True)
        set_fast_mode(model, level)
        return model, checkpoint_bytes(weights_checkpoint(state_dict, meta))
    pruned = prune(model_cfg, state_dict, level)
    model = build_segmentor(pruned.model_cfg)
    model.load_state_dict(pruned.state_dict, strict=True)
    return model, checkpoint_bytes(
        weights_checkpoint(pruned.state_dict, meta, level))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--size', type=int, nargs=2, default=(360, 480),
                        metavar=('H', 'W'))
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu',
                        help='where latency and GFLOPs are measured')
    parser.add_argument('--out', help='dir for levels.json and levels.png')
    parser.add_argument('--tolerance', type=float, default=1.0,
                        help='mIoU points from the best that a recommended '
                        'level may lose (default: 1.0)')
    parser.add_argument('--in-model', action='store_true',
                        help='measure fast mode inside the whole model '
                        'instead of the pruned exports')
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    if args.tolerance < 0:
        parser.error(f'--tolerance must be >= 0, got {args.tolerance}')
    if args.iters < 1:
        parser.error(f'--iters must be >= 1, got {args.iters}')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    return args


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(cfg.model)
    full = build_segmentor(model_cfg)
    if not isinstance(full, DeepSupervisionEncoderDecoder):
        raise SystemExit('error: the report needs a '
                         'DeepSupervisionEncoderDecoder model, got '
                         f'{type(full).__name__}')
    metrics: Dict[str, float] = {}
    if args.checkpoint:
        require_file(args.checkpoint, 'checkpoint')
        try:
            state_dict, meta = read_checkpoint(args.checkpoint)
            check_state_dict(full, state_dict, args.checkpoint)
        except PruningError as error:
            raise SystemExit(f'error: {error}') from None
        set_work_dir(cfg, args.work_dir, args.config)
        cfg.load_from = args.checkpoint
        metrics = Runner.from_cfg(cfg).test()
    else:
        state_dict, meta = full.state_dict(), {}
    x = torch.randn(1, 3, *args.size, device=args.device)
    rows = []
    for level in full.decode_head.levels + [None]:
        deployed, size = prediction(model_cfg, state_dict, meta, level,
                                    args.in_model)
        deployed = deployed.to(args.device)
        c = costs(deployed, x, args.iters)
        params = sum(p.numel() for p in deployed.parameters())
        name = 'accurate' if level is None else f'l{level}'
        miou = metrics.get('mIoU' if level is None else f'l{level}.mIoU')
        rows.append(
            LevelRow(name, level, params, c['gflops'], c['ms'], size,
                     None if miou is None else float(miou)))
    pick = recommend(rows, args.tolerance)
    threads = (f'{torch.get_num_threads()} CPU threads'
               if args.device == 'cpu' else torch.cuda.get_device_name())
    what = ('fast mode in the whole model' if args.in_model else
            'pruned exports')
    print(f'\ninput 1x3x{args.size[0]}x{args.size[1]}, {threads}, {what}')
    print(f'| prediction | params (M) | GFLOPs | {args.device.upper()} '
          'ms/image | val mIoU | checkpoint (MB) |')
    print('|---|---|---|---|---|---|')
    for row in rows:
        score = '-' if row.miou is None else f'{row.miou:.2f}'
        print(f'| {row.name} | {row.params / 1e6:.3f} | {row.gflops:.2f} | '
              f'{row.latency_ms:.1f} | {score} | '
              f'{row.checkpoint_bytes / 1e6:.2f} |')
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        info = dict(config=args.config, checkpoint=args.checkpoint,
                    input_shape=[1, 3, *args.size], device=args.device,
                    threads=torch.get_num_threads(), iters=args.iters,
                    in_model=args.in_model)
        with open(osp.join(args.out, 'levels.json'), 'w') as f:
            json.dump(report_json(rows, pick, args.tolerance, **info), f,
                      indent=2)
        title = (f'{osp.splitext(osp.basename(args.config))[0]}: input '
                 f'{args.size[0]}x{args.size[1]}, {threads}, {what}')
        plot_levels(rows, osp.join(args.out, 'levels.png'), title, pick,
                    args.tolerance)
        print(f'\nwrote {osp.join(args.out, "levels.json")} and '
              f'{osp.join(args.out, "levels.png")}')
    if pick is None:
        print('\nrecommended: none (give a checkpoint to score the levels)')
    else:
        best = max(row.miou for row in rows if row.miou is not None)
        print(f'\nrecommended: {pick.name} (mIoU {pick.miou:.2f}, best '
              f'{best:.2f}, tolerance {args.tolerance:g}; '
              f'{pick.latency_ms:.1f} ms, {pick.params / 1e6:.3f} M params, '
              f'{pick.checkpoint_bytes} bytes)')


if __name__ == '__main__':
    main()
