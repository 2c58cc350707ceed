"""Per-level trade-off report of a UNet++ model: what each pruning level
costs and, with a checkpoint, what it scores; which level to pick.

``python tools/analysis_tools/level_report.py CONFIG [CKPT] [--size H W]
[--iters N] [--device cpu|cuda] [--out DIR] [--tolerance T] [--in-model]
[--baseline CONFIG CKPT] [--select-split S] [--cfg-options ...]``

For every level k and for accurate mode, of the model a deployment runs
(for level k the pruned sub-network that ``tools/prune.py`` writes, for
accurate mode the whole model): parameters, GFLOPs of one forward at
``--size``, latency per image on ``--device`` (median of ``--iters``) and
the size of its weights-only checkpoint. With a checkpoint, a test pass
over the config's test set adds each level's mIoU (``PerLevelIoUMetric``;
the pass runs where MMEngine puts it) and the smallest level within
``--tolerance`` mIoU points of the best is recommended. The pick is made on
the first ``--select-split`` share of the test frames (default 0.25) and
the table's mIoUs are those of the other frames, which the pick has not
seen; ``--select-split 0`` picks and scores on every frame. Prints a
Markdown table and the pick last; ``--out`` also writes ``levels.json``
and ``levels.png``.

``--in-model`` measures each level in fast mode inside the whole model
instead: what eval-time pruning buys without an export. ``UNetPlusPlus``
still stops its encoder at row k there, but an MMSeg encoder under the
nested neck computes all its stages; parameters and checkpoint size are
then the whole model's for every level.

``--baseline CONFIG CKPT`` measures another model (e.g. MMSeg's FPN on the
same encoder) the same way, as one more row and a point of its own in the
plot; the ``--cfg-options`` that are not ``model.*`` (the test set, say)
apply to it too.
"""
import json
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.runner import Runner

from mmseg_unetpp.apis import (
    SegmentorLogits,
    checkpoint_bytes,
    load_model,
    weights_checkpoint,
)
from mmseg_unetpp.apis.level_report import (
    LevelRow,
    plot_levels,
    recommend,
    report_json,
)
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.checkpoint import read_checkpoint
from mmseg_unetpp.utils.dataset_config import dataset_frames, split_frames
from mmseg_unetpp.utils.errors import ConfigError
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    CfgOptionsAction,
    load_config,
    require_file,
    run_tool,
    set_work_dir,
)


class _WithBackboneOutputs(torch.nn.Module):
    """``SegmentorLogits`` that also returns the backbone's outputs, for
    FLOP counting: the count comes from a traced graph, which drops what
    no output depends on, such as the encoder stages that a pruned neck
    does not read but the model still computes."""

    def __init__(self, logits: SegmentorLogits):
        super().__init__()
        self.logits = logits

    def forward(self, x: torch.Tensor):
        outputs = []
        backbone = self.logits.segmentor.backbone
        handle = backbone.register_forward_hook(
            lambda module, args, output: outputs.append(output))
        try:
            logits = self.logits(x)
        finally:
            handle.remove()
        return logits, tuple(outputs[0])


def costs(model: torch.nn.Module, x: torch.Tensor,
          iters: int) -> Dict[str, float]:
    """GFLOPs and median latency (ms) of one prediction of ``x`` (an image
    as loaded, through ``SegmentorLogits``)."""
    model.eval()
    logits = SegmentorLogits(model)
    analyzer = FlopAnalyzer(_WithBackboneOutputs(logits), (x, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    cuda = x.device.type == 'cuda'
    times = []
    with torch.no_grad():
        for k in range(iters + 1):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            logits(x)
            if cuda:
                torch.cuda.synchronize()
            if k:  # the first run warms up
                times.append(time.perf_counter() - start)
    return dict(gflops=analyzer.total() / 1e9,
                ms=1000 * statistics.median(times))


def test_metrics(config: str,
                 checkpoint: str,
                 work_dir: Optional[str],
                 cfg_options: Optional[dict] = None,
                 frames: Optional[Tuple[str, List[int]]] = None
                 ) -> Dict[str, float]:
    """One test pass of ``checkpoint`` over the config's test set, or
    the ``frames`` of it (its ``indices`` key and the indices); every
    level is predicted for an evaluator that scores them
    (``PerLevelPredictionHook``, added when the config lacks it)."""
    cfg_options = dict(cfg_options or {})
    if frames is not None:
        cfg_options[frames[0]] = frames[1]
    cfg = load_config(config, cfg_options)
    set_work_dir(cfg, work_dir, config)
    cfg.load_from = checkpoint
    hooks = cfg.get('default_hooks') or {}
    if not any((hook or {}).get('type') == 'PerLevelPredictionHook'
               for hook in hooks.values()):
        cfg.default_hooks = dict(
            hooks, per_level_prediction=dict(type='PerLevelPredictionHook'))
    # Two runners in one process need two names (MMEngine's loggers).
    cfg.experiment_name = (f'{osp.splitext(osp.basename(config))[0]}_'
                           f'{time.strftime("%Y%m%d_%H%M%S")}')
    return Runner.from_cfg(cfg).test()


def measure(model: torch.nn.Module,
            name: str,
            level: Optional[int],
            x: torch.Tensor,
            iters: int,
            miou: Optional[float],
            select_miou: Optional[float],
            meta: dict,
            baseline: bool = False) -> LevelRow:
    """A report row for ``model`` with its mIoU on the scored and the
    picking frames; the size is that of its weights-only checkpoint with
    the source checkpoint's ``meta``, as ``tools/prune.py`` writes it."""
    model = model.to(x.device)
    c = costs(model, x, iters)
    params = sum(p.numel() for p in model.parameters())
    size = checkpoint_bytes(
        weights_checkpoint(model.state_dict(), meta, level))
    return LevelRow(name, level, params, c['gflops'], c['ms'], size,
                    None if miou is None else float(miou), baseline,
                    None if select_miou is None else float(select_miou))


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument('--baseline', nargs=2, metavar=('CONFIG', 'CKPT'),
                        help='another model to measure alike')
    parser.add_argument('--select-split', type=float, default=0.25,
                        help='share of the test frames (the first ones) on '
                        'which the level is picked, the others scored; 0: '
                        'picked and scored on all (default: 0.25)')
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    if not 0 <= args.select_split < 1:
        parser.error(f'--select-split must be in [0, 1), got '
                     f'{args.select_split:g}')
    if args.tolerance < 0:
        parser.error(f'--tolerance must be >= 0, got {args.tolerance}')
    if args.iters < 1:
        parser.error(f'--iters must be >= 1, got {args.iters}')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    if args.baseline and not args.checkpoint:
        parser.error('--baseline needs the checkpoint of CONFIG too')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    full = load_model(args.config, args.checkpoint,
                      cfg_options=args.cfg_options)
    if not isinstance(full, DeepSupervisionEncoderDecoder):
        raise ConfigError('the report needs a DeepSupervisionEncoderDecoder '
                          f'model, got {type(full).__name__}')
    metrics: Dict[str, float] = {}
    chosen_on: Dict[str, float] = {}  # the frames the pick is made on
    select: List[int] = []
    scored: List[int] = []
    meta: dict = {}
    if args.checkpoint:
        meta = read_checkpoint(args.checkpoint)[1]
        frames = None
        if args.select_split:
            key, num = dataset_frames(
                load_config(args.config, args.cfg_options), 'test_dataloader')
            select, scored = split_frames(num, args.select_split,
                                          f'{args.config}: test')
            chosen_on = test_metrics(args.config, args.checkpoint,
                                     args.work_dir, args.cfg_options,
                                     (key, select))
            frames = (key, scored)
        metrics = test_metrics(args.config, args.checkpoint, args.work_dir,
                               args.cfg_options, frames)

    def miou(key: str) -> Tuple[Optional[float], Optional[float]]:
        return metrics.get(key), chosen_on.get(key)

    x = 255 * torch.rand(1, 3, *args.size, device=args.device)
    rows = []
    for level in full.decode_head.levels + [None]:
        model = load_model(args.config, args.checkpoint, level,
                           pruned=not args.in_model,
                           cfg_options=args.cfg_options)
        if level is None:
            rows.append(measure(model, 'accurate', None, x, args.iters,
                                *miou('mIoU'), meta))
        else:
            levels = Levels(level)
            rows.append(measure(model, levels.name, level, x, args.iters,
                                *miou(levels.metric_key('mIoU')), meta))
    if args.baseline:
        config, checkpoint = args.baseline
        require_file(config, 'baseline config')
        # The data options (not model.*) hold for the baseline too.
        shared = {k: v for k, v in (args.cfg_options or {}).items()
                  if not k.startswith('model.')}
        frames = None
        if scored:  # the frames UNet++ is scored on
            key, num = dataset_frames(load_config(config, shared),
                                      'test_dataloader')
            if num != len(select) + len(scored):
                raise ConfigError(
                    f'the baseline {config} tests on {num} frames, '
                    f'{args.config} on {len(select) + len(scored)}: their '
                    'scores would not compare')
            frames = (key, scored)
        baseline = test_metrics(config, checkpoint, args.work_dir, shared,
                                frames)
        name = osp.splitext(osp.basename(config))[0].split('_')[0]
        rows.append(
            measure(load_model(config, checkpoint), name, None, x,
                    args.iters, baseline.get('mIoU'), None,
                    read_checkpoint(checkpoint)[1], baseline=True))
    pick = recommend(rows, args.tolerance)
    threads = (f'{torch.get_num_threads()} CPU threads'
               if args.device == 'cpu' else torch.cuda.get_device_name())
    what = ('fast mode in the whole model' if args.in_model else
            'pruned exports')
    print(f'\ninput 1x3x{args.size[0]}x{args.size[1]}, {threads}, {what}')
    if scored:
        print(f'level picked on test frames {select[0]}-{select[-1]}, '
              f'mIoU of frames {scored[0]}-{scored[-1]}')
    print(f'| prediction | params (M) | GFLOPs | {args.device.upper()} '
          'ms/image | mIoU | checkpoint (MB) |' +
          (' mIoU, picking frames |' if scored else ''))
    print('|---|---|---|---|---|---|' + ('---|' if scored else ''))

    def score(value: Optional[float]) -> str:
        return '-' if value is None else f'{value:.2f}'

    for row in rows:
        print(f'| {row.name} | {row.params / 1e6:.3f} | {row.gflops:.2f} | '
              f'{row.latency_ms:.1f} | {score(row.miou)} | '
              f'{row.checkpoint_bytes / 1e6:.2f} |' +
              (f' {score(row.select_miou)} |' if scored else ''))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        info = dict(config=args.config, checkpoint=args.checkpoint,
                    input_shape=[1, 3, *args.size], device=args.device,
                    threads=torch.get_num_threads(), iters=args.iters,
                    in_model=args.in_model, baseline=args.baseline,
                    select_frames=select, scored_frames=scored)
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
        best = max(row.choosing_miou for row in rows
                   if row.choosing_miou is not None and not row.baseline)
        where = (f'picking frames: mIoU {pick.select_miou:.2f}, best '
                 f'{best:.2f}; scored frames: {pick.miou:.2f}'
                 if scored else f'mIoU {pick.miou:.2f}, best {best:.2f}')
        print(f'\nrecommended: {pick.name} ({where}, tolerance '
              f'{args.tolerance:g}; '
              f'{pick.latency_ms:.1f} ms, {pick.params / 1e6:.3f} M params, '
              f'{pick.checkpoint_bytes} bytes)')


if __name__ == '__main__':
    sys.exit(run_tool(main))
