"""tools/prune.py: the written config and checkpoint hold sub-network K
alone, test with tools/test.py exactly like the full model's fast mode,
shrink with K, and bad input ends in one line."""
import re

import pytest
import torch
from helpers import run_main
from mmengine.config import Config

from mmseg_unetpp.utils import load_from_local_weights_only


@pytest.fixture(scope='module')
def pruned(deploy_project, tmp_path_factory):
    """Levels 2 and 4 of the project's model, written by the tool."""
    out = tmp_path_factory.mktemp('pruned')
    for level in (2, 4):
        assert run_main('prune.py', deploy_project['config'],
                        deploy_project['checkpoint'], '--level', level,
                        '--out', out) == 0
    return {
        level: dict(config=out / f'unetpp_tiny_pruned-l{level}.py',
                    checkpoint=out / f'unetpp_tiny_pruned-l{level}.pth')
        for level in (2, 4)
    }


def test_writes_sub_network_k_in_fast_mode(pruned, deploy_project):
    cfg = Config.fromfile(str(pruned[2]['config']))
    assert cfg.model.backbone.num_stages == 3
    assert cfg.model.decode_head.fast_level == 2
    assert cfg.model.decode_head.in_index == [1]
    assert 'mmseg_unetpp' in cfg.custom_imports.imports
    checkpoint = load_from_local_weights_only(str(pruned[2]['checkpoint']))
    nodes = {k.split('.')[-5] for k in checkpoint['state_dict']
             if k.startswith(('backbone.encoder', 'backbone.decoder'))}
    assert nodes == {'x_0_0', 'x_1_0', 'x_2_0', 'x_0_1', 'x_1_1', 'x_0_2'}
    source = load_from_local_weights_only(str(deploy_project['checkpoint']))
    assert torch.equal(
        checkpoint['state_dict']['decode_head.branches.0.conv_seg.weight'],
        source['state_dict']['decode_head.branches.1.conv_seg.weight'])
    assert checkpoint['meta']['dataset_meta'] == source['meta'][
        'dataset_meta']
    assert checkpoint['meta']['pruned_level'] == 2


def test_checkpoint_shrinks_with_the_level(pruned, deploy_project):
    l2 = pruned[2]['checkpoint'].stat().st_size
    l4 = pruned[4]['checkpoint'].stat().st_size
    assert l2 < l4 < deploy_project['checkpoint'].stat().st_size


def test_mIoU(text: str) -> float:
    return float(re.search(r'Iter\(test\).*?\bmIoU: ([0-9.]+)', text)[1])


test_mIoU.__test__ = False  # a helper, not a test


def test_pruned_pair_tests_like_the_full_model_in_fast_mode(
        pruned, deploy_project, tmp_path, tool):
    result = tool('test', pruned[2]['config'], pruned[2]['checkpoint'],
                  '--work-dir', tmp_path / 'a')
    pruned_miou = test_mIoU(result.out + result.err)
    result = tool('test', deploy_project['config'],
                  deploy_project['checkpoint'], '--work-dir', tmp_path / 'b',
                  '--cfg-options', 'model.decode_head.fast_level=2')
    assert pruned_miou == test_mIoU(result.out + result.err)


def test_level_outside_the_models_levels_is_one_line(deploy_project,
                                                     capsys, tmp_path):
    assert run_main('prune.py', deploy_project['config'],
                    deploy_project['checkpoint'], '--level', 5, '--out',
                    tmp_path) == 1
    assert capsys.readouterr().err == ("error: level 5 is outside the "
                                       "model's levels 1..4\n")


def test_checkpoint_that_does_not_fit_names_keys_and_shapes(
        deploy_project, capsys, tmp_path):
    ckpt = deploy_project['checkpoint']
    assert run_main('prune.py', deploy_project['config'], ckpt, '--level', 2,
                    '--out', tmp_path, '--cfg-options',
                    'model.decode_head.num_classes=3') == 1
    message = capsys.readouterr().err
    assert message.count('\n') == 1
    assert message.startswith(
        f'error: {ckpt} does not fit the model of this config: ')
    assert ('tensor(s) of another shape (decode_head.branches.0.conv_seg.'
            'weight: (11, 4, 1, 1) in the checkpoint, (3, 4, 1, 1) in the '
            'model') in message
    assert not list(tmp_path.iterdir())  # nothing written
