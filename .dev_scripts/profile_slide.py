"""Where the time of a sliding-window prediction goes, by operator.

``python .dev_scripts/profile_slide.py CONFIG [--size 584 565]
[--batch-windows 16] [--rows 15]``

One image of random pixels at ``--size`` through the config's model
(random weights: the time does not depend on them), every level predicted
as a test pass that scores them does, ``--batch-windows`` windows per
forward, one thread; after one warm-up pass, PyTorch's profiler prints its
operators by self CPU time.
"""
import argparse

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch.profiler import ProfilerActivity, profile

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


if __name__ == '__main__':
    main()
