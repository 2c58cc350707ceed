"""The user paths, run with the shipped configs (a config added under
``configs/`` is covered without touching this file):

- every config: one training iteration, a validation and a test pass on
  generated data (the model as configured; data and crops made small),
  then the trained weights loaded with ``mmseg.apis.init_model`` and run
  by ``inference_model`` on a generated image of odd size with no label
  file; an image smaller than the model's minimum side keeps its size;
- every distinct model that predicts at levels (configs that differ only
  in data, schedule or data preprocessing share one), with random weights
  and normalisation statistics: fast mode at a level predicts what the
  pruned pair that ``tools/prune.py`` writes predicts;
- ``demo/image_demo.py``, with one config of each dataset type.
"""
import ast
import copy
import json
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from helpers import (
    load_tool,
    make_config_data,
    randomize,
    shrink,
)
from mmengine import fileio
from mmengine.config import Config
from mmengine.runner import Runner, save_checkpoint
from mmseg.apis import inference_model, init_model
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.apis.inference import config_dataset_meta, set_prediction
from mmseg_unetpp.datasets import make_camvid_demo
from mmseg_unetpp.datasets.demo_data import draw_scene

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)
DEMO_CONFIG = (CONFIG_DIR / 'unetpp' /
               'unetpp-l4-w16_ds_1xb4-450_camvid-demo-80x112.py')


def parse_configs() -> dict:
    """Each config parsed (None for one that does not parse)."""
    parsed = {}
    for path in CONFIGS:
        try:
            parsed[path] = Config.fromfile(str(path))
        except Exception:
            parsed[path] = None
    return parsed


PARSED = parse_configs()


def load(path: Path) -> Config:
    """The config of ``path`` (parsed once), to change; one that does not
    parse raises its error here."""
    cfg = PARSED[path]
    return Config.fromfile(str(path)) if cfg is None else copy.deepcopy(cfg)


def prediction_levels(cfg: Config) -> list:
    """The levels a model predicts on its own (fast mode, pruning); none
    for a model of one prediction (the U-Net ablation has X(0, L) alone)."""
    head = cfg.model.decode_head
    if (cfg.model.type != 'DeepSupervisionEncoderDecoder'
            or len(head.in_index) < 2):
        return []
    return [index + 1 for index in head.in_index]


def model_key(cfg: Config) -> str:
    """The model of a config, less what only training or data preparation
    use (``train_cfg``, ``data_preprocessor``)."""
    model = cfg.model.to_dict()
    for key in ('train_cfg', 'data_preprocessor'):
        model.pop(key, None)
    return json.dumps(model, sort_keys=True, default=repr)


def dataset_type(cfg: Config) -> str:
    """The type of the config's test dataset."""
    dataset = cfg.test_dataloader.dataset
    return dataset.get('dataset', dataset).type


def first_config_of_each(key, select=lambda cfg: True) -> list:
    """The first config (in ``CONFIGS``) of each value of ``key(cfg)``,
    among those ``select`` keeps; a config that does not parse is left to
    the training test, which shows the error."""
    firsts = {}
    for path, cfg in PARSED.items():
        if cfg is not None and select(cfg):
            firsts.setdefault(key(cfg), path)
    return list(firsts.values())


# One config per distinct model that predicts at levels; one config per
# dataset type for the image demo.
LEVEL_MODELS = first_config_of_each(model_key, select=prediction_levels)
IMAGE_DEMO_CONFIGS = first_config_of_each(dataset_type)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    """Generated data in the layout of every dataset the configs use."""
    return make_config_data(tmp_path_factory.mktemp('data'))


def test_configs_are_found():
    names = {p.name for p in CONFIGS}
    assert {'unetpp_camvid.py', 'unet_camvid.py', DEMO_CONFIG.name} <= names
    for name in ('r18', 'r50', 'mit-b0'):
        assert any(name in p.name and p.parent.name == 'unetpp'
                   for p in CONFIGS), name
    assert len(CONFIGS) >= 8
    # Every config parses, so that every model and dataset has its tests.
    assert not [p.name for p, cfg in PARSED.items() if cfg is None]
    assert len(IMAGE_DEMO_CONFIGS) >= 2 and LEVEL_MODELS


# The entry points the README promises: each names one model config.
ENTRY_POINTS = ('unetpp_camvid.py', 'unet_camvid.py')


def base_files(path: Path) -> list:
    """The ``_base_`` a config file names (a string or a list)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            bases = ast.literal_eval(node.value)
            return [bases] if isinstance(bases, str) else list(bases)
    return []


def test_configs_inherit_only_base_files():
    """A model config inherits ``_base_/`` files and MMSeg's, never a
    sibling, so that each shows its whole recipe in a few lines."""
    siblings = {}
    for path in CONFIGS:
        if path.parent == CONFIG_DIR and path.name in ENTRY_POINTS:
            continue
        bases = base_files(path)
        siblings[path.name] = [
            b for b in bases
            if not b.startswith('mmseg::') and '_base_/' not in b
        ]
    assert not {name: b for name, b in siblings.items() if b}


# An image of odd size, not divisible by 2, 16 or 32, with no label file.
IMAGE_SIZE = (45, 61)


@pytest.fixture(scope='module')
def image(tmp_path_factory) -> str:
    img, _ = draw_scene(IMAGE_SIZE, np.random.default_rng(1))
    path = tmp_path_factory.mktemp('image') / 'frame.png'
    mmcv.imwrite(img[..., ::-1], str(path))
    return str(path)


def cheap(cfg: Config) -> Config:
    """``cfg`` with its inference made cheap: the test pipeline resizes to
    the test image's own size (the shipped ones scale it up to their test
    scale), slide windows are 32x32."""
    for t in cfg.test_pipeline:
        if t.type == 'Resize':
            t.scale = IMAGE_SIZE[::-1]
    if cfg.model.test_cfg.get('mode') == 'slide':
        cfg.model.test_cfg.update(crop_size=(32, 32), stride=(21, 21))
    return cfg


def cheap_config(config: Path, directory: Path) -> Path:
    """A config file that inherits ``config`` with :func:`cheap`'s
    changes."""
    cfg = cheap(load(config))
    pipeline = [t.to_dict() for t in cfg.test_pipeline]
    path = directory / config.name
    path.write_text(
        f'_base_ = [{str(config)!r}]\n'
        f'test_pipeline = {pipeline!r}\n'
        f'model = dict(test_cfg={cfg.model.test_cfg.to_dict()!r})\n')
    return path


def write_checkpoint(model: torch.nn.Module, cfg: Config, path: Path) -> str:
    """A checkpoint of ``model``'s weights, with the classes and palette of
    ``cfg``'s dataset in its meta (as training writes them)."""
    meta = dict(dataset_meta=config_dataset_meta(cfg))
    save_checkpoint(dict(meta=meta, state_dict=model.state_dict()),
                    str(path))
    return str(path)


def random_checkpoint(cfg: Config, path: Path) -> str:
    """A checkpoint of random weights and normalisation statistics for
    ``cfg``'s model."""
    return write_checkpoint(randomize(MODELS.build(cfg.model)), cfg, path)


def predict(config, checkpoint, image, **cfg_options):
    model = init_model(config, checkpoint, device='cpu',
                       cfg_options=cfg_options or None)
    result = inference_model(model, image)
    assert result.pred_sem_seg.shape == IMAGE_SIZE
    return model, result


def assert_small_image_keeps_its_size(model) -> None:
    """An image smaller than the model's minimum side (16 for 5 stages):
    the data preprocessor pads it at test time and the prediction is
    cropped back to the image's size."""
    image = torch.randint(0, 256, (3, 12, 12), dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(12, 12),
                                         ori_shape=(12, 12)))
    with torch.no_grad():
        pred = model.test_step(dict(inputs=[image],
                                    data_samples=[sample]))[0]
    assert tuple(pred.pred_sem_seg.shape) == (12, 12)
    assert tuple(pred.seg_logits.shape[-2:]) == (12, 12)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_trains_validates_tests_and_infers(path, data_root, image,
                                                  tmp_path):
    cfg = shrink(load(path), data_root, str(tmp_path))
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.indices = 1  # one image each is enough here
    runner = Runner.from_cfg(cfg)
    runner.train()  # one iteration, then a validation
    assert runner.iter == 1
    # The validation's metrics, as MMEngine logged them (with its timers).
    metrics = {
        key[len('val/'):]
        for key in runner.message_hub.log_scalars if key.startswith('val/')
    } - {'time', 'data_time'}
    assert 'mIoU' in metrics
    head = cfg.model.decode_head
    if cfg.model.type == 'DeepSupervisionEncoderDecoder' and len(
            head.in_index) > 1 and head.get('fast_level') is None:
        assert {f'l{k + 1}.mIoU' for k in head.in_index} <= metrics
    assert set(runner.test_loop.run()) == metrics
    # The trained weights, loaded by MMSeg's API for inference.
    checkpoint = write_checkpoint(runner.model, cfg, tmp_path / 'model.pth')
    model, result = predict(cheap(load(path)), checkpoint, image)
    assert result.seg_logits.shape == IMAGE_SIZE
    assert_small_image_keeps_its_size(model)


@pytest.mark.parametrize('path', LEVEL_MODELS, ids=lambda p: p.stem)
def test_fast_mode_at_a_level_predicts_as_the_pruned_pair(path, image,
                                                          tmp_path):
    config = cheap_config(path, tmp_path)
    model = randomize(init_model(str(config), device='cpu'))
    checkpoint = write_checkpoint(model, model.cfg, tmp_path / 'model.pth')
    level = prediction_levels(model.cfg)[0]
    set_prediction(model, level)  # fast mode, the full grid built
    fast = inference_model(model, image)
    prune = load_tool('prune.py')
    assert prune.run_tool(prune.main, [
        str(config), checkpoint, '--level', str(level), '--out',
        str(tmp_path)]) == 0
    name = f'{config.stem}_pruned-l{level}'
    _, pruned = predict(tmp_path / f'{name}.py', str(tmp_path / f'{name}.pth'),
                        image)
    torch.testing.assert_close(pruned.seg_logits.data, fast.seg_logits.data,
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('path', IMAGE_DEMO_CONFIGS, ids=lambda p: p.stem)
def test_image_demo_draws_the_prediction(path, image, tmp_path):
    config = cheap_config(path, tmp_path)
    checkpoint = random_checkpoint(load(path), tmp_path / 'model.pth')
    demo = load_tool('../demo/image_demo.py')
    overlay = tmp_path / 'overlay.png'
    assert demo.run_tool(demo.main, [
        image, str(config), checkpoint, '--out-file', str(overlay)]) == 0
    assert mmcv.imread(str(overlay)).shape[1] == IMAGE_SIZE[1] * 8


def test_demo_config_tests_on_the_generated_val_split(tmp_path):
    """The demo data has no test split: the demo config tests on val."""
    from mmseg.registry import DATASETS
    root = make_camvid_demo(str(tmp_path), num_train=2, num_val=3,
                            size=(45, 60))
    cfg = load(DEMO_CONFIG)
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root
        assert len(DATASETS.build(cfg[loader].dataset)) == 3


def test_model_index_lists_metafiles_of_shipped_configs():
    """MMEngine reads model-index.yml and every metafile it lists whenever a
    config inherits ``mmseg_unetpp::``: each must parse, and each model
    name a config that exists, with an mIoU."""
    repo = CONFIG_DIR.parent
    index = fileio.load(str(repo / 'model-index.yml'))
    assert index['Import']
    for metafile in index['Import']:
        meta = fileio.load(str(repo / metafile))
        for collection in meta['Collections']:
            assert (repo / collection['README']).is_file()
        for model in meta['Models']:
            config = repo / model['Config']
            assert config.is_file() and config.stem == model['Name']
            assert 0 < model['Results']['Metrics']['mIoU'] < 100


def test_metafile_iterations_are_the_configs():
    """Each metafile model says how many iterations its figures trained.
    A row trained by ``tools/train.py CONFIG`` trained the config's
    ``max_iters``; a wall-clock row says so (``budget`` in its Training
    Resources: ``side_by_side.py`` set its iterations)."""
    repo = CONFIG_DIR.parent
    rows = {}
    for metafile in fileio.load(str(repo / 'model-index.yml'))['Import']:
        for model in fileio.load(str(repo / metafile))['Models']:
            meta = model['Metadata']
            assert meta['Iterations'] > 0, model['Name']
            if 'budget' in meta['Training Resources']:
                continue
            cfg = PARSED[(repo / model['Config']).resolve()]
            rows[model['Name']] = (meta['Iterations'],
                                   cfg.train_cfg.max_iters)
    assert 'unetpp-l4-w16_ds_1xb4-450_camvid-demo-80x112' in rows
    assert {name: n for name, n in rows.items() if n[0] != n[1]} == {}


def page_rows(page: Path) -> list:
    """The rows of the page's tables that link a config: each a dict of
    its cells by column name, with ``config`` the linked file (``same``:
    the row above's)."""
    rows, header, config = [], None, None
    for line in page.read_text().splitlines():
        if not line.startswith('|'):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if header is None:
            header = cells
        elif not set(line) <= set('|-: '):
            row = dict(zip(header, cells))
            link = row.get('config', '')
            if link != 'same':
                config = (page.parent / link.partition('](')[2].rstrip(')')
                          if '](' in link else None)
            if config is not None:
                rows.append(dict(row, config=config.resolve()))
    return rows


def test_zoo_rows_from_train_py_state_their_configs_iterations():
    """On the results page, a row marked ``train.py`` trained its config
    as it is: its iterations are the config's ``max_iters``. Each metafile
    model trained so (not ``budget``) has such a row."""
    repo = CONFIG_DIR.parent
    rows = [row for row in page_rows(CONFIG_DIR / 'unetpp' / 'README.md')
            if row.get('kind', '').startswith('train.py')]
    assert len(rows) >= 4
    wrong = {row['config'].name: row['iterations'] for row in rows
             if row['iterations'] != str(PARSED[row['config']].train_cfg.
                                         max_iters)}
    assert wrong == {}
    listed = {row['config'] for row in rows}
    missing = []
    for metafile in fileio.load(str(repo / 'model-index.yml'))['Import']:
        for model in fileio.load(str(repo / metafile))['Models']:
            if 'budget' not in model['Metadata']['Training Resources']:
                if (repo / model['Config']).resolve() not in listed:
                    missing.append(model['Name'])
    assert missing == []


def test_cpu_budget_adamw_is_fused_and_steps_as_the_unfused():
    """The CPU schedule's fused AdamW makes the update of PyTorch's
    for-loop AdamW, learning-rate warm-up included."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(CONFIG_DIR / '_base_' / 'schedules' /
                          'cpu_budget.py')
    assert cfg.optim_wrapper.optimizer.fused is True
    torch.manual_seed(0)
    models = [torch.nn.Conv2d(3, 4, 3) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    unfused = copy.deepcopy(cfg.optim_wrapper)
    unfused.optimizer.fused = False
    wrappers = [build_optim_wrapper(model, copy.deepcopy(optim))
                for model, optim in zip(models, (cfg.optim_wrapper,
                                                 unfused))]
    assert wrappers[0].optimizer.defaults['fused']
    x = torch.randn(2, 3, 8, 8)
    for _ in range(3):
        for model, wrapper in zip(models, wrappers):
            wrapper.update_params((model(x)**2).mean())
    for a, b in zip(*(model.parameters() for model in models)):
        torch.testing.assert_close(a, b)
