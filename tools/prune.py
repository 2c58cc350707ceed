"""Write the sub-network of one level as a config and a checkpoint.

``python tools/prune.py CONFIG CKPT --level K --out DIR [--cfg-options ...]``

DIR gets ``<config name>_pruned-l{K}.py`` and ``.pth``: the nodes with
i + j <= K (for ``UNetPlusPlus`` the encoder rows below K go too), the
head's branch K, fast mode at level K; the encoder of a
``UNetPlusPlusNeck`` is cut after the stage of row K where that gives the
same prediction. The checkpoint holds the weights and the source's
``dataset_meta``, ``iter`` and ``epoch`` only. Test the pair with
``tools/test.py``, or load it with ``mmseg.apis.init_model``.
"""
import os
import os.path as osp
import sys
from typing import Optional, Sequence

from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint

from mmseg_unetpp.apis import (
    checkpoint_bytes,
    describe_encoder,
    prune,
    pruned_config,
    weights_checkpoint,
)
from mmseg_unetpp.utils.checkpoint import read_checkpoint
from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    CfgOptionsAction,
    load_config,
    run_tool,
)


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument(
        '--level', type=int, required=True, help='the level K to keep')
    parser.add_argument(
        '--out', required=True, help='dir for the pruned config and '
        'checkpoint')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    state_dict, meta = read_checkpoint(args.checkpoint)
    pruned = prune(cfg.model, state_dict, args.level, source=args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    name = f'{osp.splitext(osp.basename(args.config))[0]}_pruned-l' \
        f'{args.level}'
    config_file = osp.join(args.out, f'{name}.py')
    checkpoint_file = osp.join(args.out, f'{name}.pth')
    pruned_config(cfg, pruned).dump(config_file)
    checkpoint = weights_checkpoint(pruned.state_dict, meta, args.level)
    save_checkpoint(checkpoint, checkpoint_file)
    full_bytes = checkpoint_bytes(weights_checkpoint(state_dict, meta))
    encoder = describe_encoder(pruned.encoder, args.level)
    print(f'level {args.level}: {len(pruned.state_dict)} of '
          f'{len(state_dict)} tensors; encoder: {encoder}')
    print(f'size:       {osp.getsize(checkpoint_file)} bytes (every level, '
          f'weights only: {full_bytes} bytes)')
    print(f'config:     {config_file}')
    print(f'checkpoint: {checkpoint_file}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
