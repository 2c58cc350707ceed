"""A project's config that inherits a config of this checkout by a relative
``_base_`` path trains with MMSeg's stock ``train.py``: the inherited model
config imports the plugin (``custom_imports``)."""
import os.path as osp
import sys
from pathlib import Path

import mmseg
from helpers import run_command

from mmseg_unetpp.datasets import make_camvid_demo

REPO = Path(__file__).resolve().parents[2]
STOCK_TRAIN = Path(mmseg.__file__).parent / '.mim' / 'tools' / 'train.py'


def test_stock_train_with_relative_base(tmp_path, inherited_config):
    data = make_camvid_demo(str(tmp_path / 'data'), num_train=2, num_val=1,
                            size=(45, 60))
    config = tmp_path / 'project' / 'my_unetpp.py'
    config.parent.mkdir()
    base = osp.relpath(REPO / 'configs' / inherited_config, config.parent)
    assert base.startswith('..')
    config.write_text(f"""
_base_ = [{base!r}]
dataset = dict(data_root={data!r}, metainfo=dict(classes=('Sky', 'Road')))
train_dataloader = dict(batch_size=1, dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
model = dict(decode_head=dict(num_classes=2))
train_cfg = dict(max_iters=1, val_interval=1)
param_scheduler = []  # one iteration: no warm-up
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
""")
    work = tmp_path / 'work'
    run_command([sys.executable, STOCK_TRAIN, config, '--work-dir', work],
                cwd=tmp_path)
    assert (work / 'iter_1.pth').is_file()
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert 'Iter(val) [1/1]' in log and 'mIoU' in log
