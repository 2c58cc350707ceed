"""Every shipped config builds and runs one training step and a validation
on generated data (its model as configured; data and crops made small)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.datasets import make_camvid_demo

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)
DEMO_CONFIG = (CONFIG_DIR / 'unetpp' /
               'unetpp-l4-w16_ds_1xb4-cpu450_camvid-demo-80x112.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_camvid_demo(
        str(tmp_path_factory.mktemp('data')),
        num_train=2,
        num_val=2,
        size=(45, 60))


def shrink(cfg: Config, data_root: str, work_dir: str) -> Config:
    """Generated data, batch 1, small crops, one iteration."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.update(data_root=data_root)
        if loader != 'train_dataloader':
            cfg[loader].dataset.update(
                ann_file='val.txt',
                data_prefix=dict(img_path='val', seg_map_path='valannot'))
    cfg.train_dataloader.batch_size = 1
    for t in cfg.train_dataloader.dataset.pipeline:
        if t.type == 'RandomResize':
            t.scale = (60, 45)
        if t.type == 'RandomCrop':
            t.crop_size = (32, 48)
    for loader in ('val_dataloader', 'test_dataloader'):
        for t in cfg[loader].dataset.pipeline:
            if t.type == 'Resize':
                t.scale = (60, 45)
    if cfg.model.data_preprocessor.get('size'):
        cfg.model.data_preprocessor.size = (32, 48)
    # Tests have no network: encoders start from random weights.
    init_cfg = cfg.model.backbone.get('init_cfg')
    if init_cfg and init_cfg.get('type') == 'Pretrained':
        cfg.model.backbone.init_cfg = None
    cfg.train_cfg.update(max_iters=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.work_dir = work_dir
    return cfg


def test_configs_are_found():
    names = {p.name for p in CONFIGS}
    assert {'unetpp_camvid.py', 'unet_camvid.py', DEMO_CONFIG.name} <= names
    for name in ('r18', 'r50', 'mit-b0'):
        assert any(name in p.name and p.parent.name == 'unetpp'
                   for p in CONFIGS), name
    assert len(CONFIGS) >= 8


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_trains_one_step_and_validates(path, data_root, tmp_path):
    cfg = shrink(Config.fromfile(str(path)), data_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    metrics = runner.val_loop.run()
    assert 'mIoU' in metrics
    head = cfg.model.decode_head
    if cfg.model.type == 'DeepSupervisionEncoderDecoder' and len(
            head.in_index) > 1 and head.get('mode', 'accurate') == 'accurate':
        assert {f'l{k + 1}.mIoU' for k in head.in_index} <= set(metrics)


def test_demo_config_tests_on_the_generated_val_split(tmp_path):
    """The demo data has no test split: the demo config tests on val."""
    from mmseg.registry import DATASETS
    root = make_camvid_demo(str(tmp_path), num_train=2, num_val=3,
                            size=(45, 60))
    cfg = Config.fromfile(str(DEMO_CONFIG))
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root
        assert len(DATASETS.build(cfg[loader].dataset)) == 3


def test_model_index_lists_metafiles_of_shipped_configs():
    """MMEngine reads model-index.yml and every metafile it lists whenever a
    config inherits ``mmseg_unetpp::``: each must parse, and each model
    name a config that exists, with an mIoU."""
    from mmengine.fileio import load
    repo = CONFIG_DIR.parent
    index = load(str(repo / 'model-index.yml'))
    assert index['Import']
    for metafile in index['Import']:
        meta = load(str(repo / metafile))
        for collection in meta['Collections']:
            assert (repo / collection['README']).is_file()
        for model in meta['Models']:
            config = repo / model['Config']
            assert config.is_file() and config.stem == model['Name']
            assert 0 < model['Results']['Metrics']['mIoU'] < 100
