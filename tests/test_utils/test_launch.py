"""What the tools share from ``mmseg_unetpp.utils.launch``."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import load_tool, make_medical_data
from mmengine.config import Config
from mmseg.registry import DATASETS

from mmseg_unetpp.utils.launch import (
    ArgumentParser,
    data_root_options,
    load_config,
    parse_size,
)


@pytest.mark.parametrize('text, size', [('360x480', (360, 480)),
                                        ('12X16', (12, 16))])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('text, message', [
    ('360', 'size must look like HEIGHTxWIDTH'),
    ('3x', 'size must look like HEIGHTxWIDTH'),
    ('axb', 'size must look like HEIGHTxWIDTH'),
    ('1x2x3', 'size must look like HEIGHTxWIDTH'),
    ('0x480', "size must be positive, got '0x480'"),
])
def test_parse_size_rejects(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_size(text)


def test_bad_size_argument_is_one_line_naming_it(capsys):
    parser = ArgumentParser(prog='tool')
    parser.add_argument('--size', type=parse_size)
    with pytest.raises(SystemExit) as error:
        parser.parse_args(['--size', '176by240'])
    assert error.value.code == 2
    assert capsys.readouterr().err == (
        "tool: error: argument --size: size must look like HEIGHTxWIDTH "
        "(e.g. 360x480), got '176by240' (see --help)\n")


DRIVE_CONFIG = (Path(__file__).resolve().parents[2] / 'configs' / 'unetpp' /
                'unetpp-l4-w32_ds-ce-dice_4xb4-40k_drive-64x64.py')


def test_data_root_reaches_the_dataset_inside_repeat_dataset(tmp_path):
    """MMSeg's DRIVE base wraps its train set in RepeatDataset: the options
    point the wrapped set, and every loader's set reads the new root."""
    root = make_medical_data(tmp_path / 'drive', 'DRIVEDataset')
    cfg = load_config(str(DRIVE_CONFIG))
    options = data_root_options(cfg, root)
    assert options == {
        'train_dataloader.dataset.dataset.data_root': root,
        'val_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
    }
    cfg.merge_from_dict(options)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train.dataset) == 2 and len(train) == 2 * train.times
    for loader in ('val_dataloader', 'test_dataloader'):
        assert len(DATASETS.build(cfg[loader].dataset)) == 2, loader


def test_data_root_reaches_each_dataset_of_a_concat_dataset():
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='ConcatDataset',
        datasets=[dict(type='A', data_root='a'),
                  dict(type='RepeatDataset', times=2,
                       dataset=dict(type='B', data_root='b'))]))))
    assert data_root_options(cfg, 'new') == {
        'train_dataloader.dataset.datasets.0.data_root': 'new',
        'train_dataloader.dataset.datasets.1.dataset.data_root': 'new',
    }


def test_side_by_side_points_each_config_at_the_data_root(tmp_path):
    side_by_side = load_tool('analysis_tools/side_by_side.py')
    options = side_by_side.base_options(str(DRIVE_CONFIG), 'a=1', 3,
                                        str(tmp_path))
    assert options == [
        'randomness.seed=3',
        f'train_dataloader.dataset.dataset.data_root={tmp_path}',
        f'val_dataloader.dataset.data_root={tmp_path}',
        f'test_dataloader.dataset.data_root={tmp_path}',
        'a=1',
    ]


EXITING_TOOL = '''
import atexit
import sys

from mmseg_unetpp.utils.errors import ConfigError
from mmseg_unetpp.utils.launch import exit_tool


class Finalised:
    def __del__(self):
        print('finalised', flush=True)


kept = Finalised()
atexit.register(print, 'exit handlers ran')


def main(argv):
    print('done', end='')  # left in the buffer
    if sys.argv[1] == 'fail':
        raise ConfigError('bad value')


exit_tool(main)
'''


@pytest.mark.parametrize('argument, status, torchrun', [
    ('pass', 0, True), ('fail', 1, True), ('pass', 0, False)])
def test_exit_tool_skips_finalisation_only_under_torchrun_on_cpu(
        tmp_path, argument, status, torchrun):
    """A torchrun process on CPU leaves before interpreter finalisation
    (where gloo can abort it) but after its exit handlers, with its output
    flushed and its status kept; any other process exits normally (a
    failing tool's one line and status 1 outside torchrun are asserted by
    the tools' tests, which run them through run_tool)."""
    script = tmp_path / 'tool.py'
    script.write_text(EXITING_TOOL)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='')
    env.pop('TORCHELASTIC_RUN_ID', None)
    if torchrun:
        env['TORCHELASTIC_RUN_ID'] = 'test'
    proc = subprocess.run([sys.executable, str(script), argument], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == status, proc.stderr
    assert proc.stdout.startswith('done')
    assert 'exit handlers ran' in proc.stdout
    assert ('finalised' in proc.stdout) is not torchrun
    assert ('error: bad value' in proc.stderr) is (status == 1)
