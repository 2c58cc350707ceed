"""Generate the synthetic CamVid-format demo dataset.

``python tools/make_demo_data.py [OUT]`` (default ``data/camvid_demo``).
"""
import sys
from typing import Optional, Sequence

from mmseg_unetpp.datasets.demo_data import make_camvid_demo
from mmseg_unetpp.utils.launch import ArgumentParser, run_tool


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', nargs='?', default='data/camvid_demo')
    parser.add_argument('--num-train', type=int, default=60)
    parser.add_argument('--num-val', type=int, default=15)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    root = make_camvid_demo(args.out, args.num_train, args.num_val,
                            seed=args.seed)
    print(f'demo data: {root}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
