"""Choose a two-class model's decision threshold on the validation set.

``python tools/analysis_tools/choose_threshold.py CONFIG CKPT
[--thresholds T ...] [--out JSON] [--cfg-options ...]``

One pass of the model (its prediction as configured: accurate mode or a
fast level) over the config's ``val_dataloader`` keeps each pixel's
probability of class 1 (a vessel); then, for each threshold, class 1 where
that probability is above it, scored as ``PerLevelIoUMetric`` scores it
over the whole set: the class-1 Dice and mDice over every pixel, and the
class-1 Dice inside the field of view where the pipeline loads the masks
(``LoadFOVMask``). The threshold of the best class-1 Dice (inside the field
of view where there is one) is picked, and the last line is the option
that predicts with it: ``--cfg-options model.test_cfg.threshold=T`` for
``tools/test.py`` (see ``DeepSupervisionEncoderDecoder``).

Choose on the validation images and report on others (the test set): a
threshold chosen and scored on the same images overstates what it gives.
"""
import json
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmseg_unetpp.apis import load_model
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.utils.errors import ConfigError
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    CfgOptionsAction,
    exit_tool,
    require_file,
)

BINS = 1000  # probability bins: thresholds are read to 0.001


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--thresholds', type=float, nargs='+',
        default=[round(0.3 + 0.05 * k, 2) for k in range(9)],
        help='class-1 probabilities to score (default: 0.30, 0.35 .. 0.70)')
    parser.add_argument('--out', help='JSON file for the table and the pick')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    bad = [t for t in args.thresholds if not 0 < t < 1]
    if bad:
        parser.error(f'--thresholds must be in (0, 1), got {bad[0]:g}')
    return args


def histograms(model, dataloader) -> Dict[str, np.ndarray]:
    """Counts of class-1 probabilities (``BINS`` bins) of the pixels of
    each class: ``'all'`` over every scored pixel, ``'fov'`` inside the
    field of view (where the samples have masks); (2, BINS) each, row 0
    for class-0 pixels, row 1 for class-1 pixels."""
    counts: Dict[str, np.ndarray] = {}
    for data in dataloader:
        with torch.no_grad():
            samples = model.test_step(data)
        for sample in samples:
            probs = sample.seg_logits.data.softmax(dim=0)[1].cpu()
            label = sample.gt_sem_seg.data.squeeze(0).cpu()
            regions = {'all': label != 255}
            fov = sample.metainfo.get('fov_mask')
            if fov is not None:
                regions['fov'] = regions['all'] & torch.as_tensor(
                    np.asarray(fov, dtype=bool))
            # Bin b holds (b, b + 1] / BINS (0 in bin 0): a probability on
            # a threshold falls below it, as the segmentor's ``p > t`` has
            # it (two saturated levels that disagree average to 0.5).
            bins = ((probs * BINS).ceil().long() - 1).clamp_(0, BINS - 1)
            for region, keep in regions.items():
                found = counts.setdefault(region, np.zeros((2, BINS),
                                                           np.int64))
                for cls in (0, 1):
                    found[cls] += torch.bincount(
                        bins[keep & (label == cls)], minlength=BINS).numpy()
    return counts


def scores(counts: np.ndarray, threshold: float) -> Dict[str, float]:
    """Dice of class 1 and mDice (in %) with class 1 where its probability
    is above ``threshold``, from :func:`histograms`' counts."""
    # Bin b holds probabilities in (b, b + 1] / BINS: those in bins from
    # threshold * BINS up are above the threshold (read to 1 / BINS).
    first = int(round(threshold * BINS))
    above = counts[:, first:].sum(axis=1)
    total = counts.sum(axis=1)
    tp, fp = above[1], above[0]
    fn, tn = total[1] - tp, total[0] - fp
    dice1 = 2 * tp / max(2 * tp + fp + fn, 1)
    dice0 = 2 * tn / max(2 * tn + fn + fp, 1)
    return dict(Dice=100 * dice1, mDice=100 * (dice0 + dice1) / 2)


def table(thresholds: List[float],
          counts: Dict[str, np.ndarray]) -> List[dict]:
    rows = []
    for threshold in thresholds:
        row = dict(threshold=threshold, **scores(counts['all'], threshold))
        if 'fov' in counts:
            row['fov.Dice'] = scores(counts['fov'], threshold)['Dice']
        rows.append(row)
    return rows


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    require_file(args.checkpoint, 'checkpoint')
    model = load_model(args.config, args.checkpoint,
                       cfg_options=args.cfg_options)
    if not isinstance(model, DeepSupervisionEncoderDecoder) or \
            model.out_channels != 2:
        raise ConfigError(
            f'{args.config}: a threshold needs a DeepSupervisionEncoderDecoder'
            ' with two softmax channels (two classes), got '
            f'{type(model).__name__} with {model.out_channels} channel(s)')
    init_default_scope('mmseg')
    dataloader = Runner.build_dataloader(model.cfg.val_dataloader)
    counts = histograms(model, dataloader)
    rows = table(sorted(args.thresholds), counts)
    key = 'fov.Dice' if 'fov' in counts else 'Dice'
    pick = max(rows, key=lambda row: row[key])
    columns = list(rows[0])
    print('| ' + ' | '.join(columns) + ' |')
    print('|' + '---|' * len(columns))
    for row in rows:
        print('| ' + ' | '.join(f'{row[c]:.2f}' for c in columns) + ' |')
    images = len(dataloader.dataset)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           images=images, rows=rows, pick=pick,
                           picked_by=key), f, indent=1)
    print(f"pick: threshold {pick['threshold']:g} (class-1 {key} "
          f'{pick[key]:.2f} on {images} val images); --cfg-options '
          f"model.test_cfg.threshold={pick['threshold']:g}")


if __name__ == '__main__':
    exit_tool(main)
