"""The project's hooks are named ``default_hooks`` entries: a user's config
that inherits a shipped config and sets its own ``custom_hooks`` keeps
every check, and each hook is switched off by its name."""
import math
from pathlib import Path

import pytest
import torch
from helpers import make_config_data, shrink
from mmengine.config import Config
from mmengine.runner import Runner, save_checkpoint
from mmseg.registry import HOOKS as REGISTRY

from mmseg_unetpp.engine.hooks import (
    CheckpointMatchHook,
    DataCheckHook,
    FusionSelectHook,
    NonFiniteLossHook,
    PerLevelPredictionHook,
    SyncBuffersEveryIterHook,
)
from mmseg_unetpp.utils.checkpoint import load_from_local_weights_only
from mmseg_unetpp.utils.errors import (
    CheckpointMismatchError,
    NonFiniteLossError,
)

CONFIGS = Path(__file__).resolve().parents[3] / 'configs'
HOOKS = {
    'data_check': DataCheckHook,
    'non_finite_loss': NonFiniteLossHook,
    'checkpoint_match': CheckpointMatchHook,
    'sync_buffers': SyncBuffersEveryIterHook,
    'fusion_select': FusionSelectHook,
    'per_level_prediction': PerLevelPredictionHook,
}


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory):
    return make_config_data(tmp_path_factory.mktemp('data'))


def user_config(tmp_path: Path, inherited_config: str, body: str) -> Config:
    """A user's config that inherits a shipped one (by relative path) and
    adds ``body``."""
    path = tmp_path / 'user_config.py'
    base = CONFIGS / inherited_config
    path.write_text(f'_base_ = [{str(base)!r}]\n{body}\n')
    return Config.fromfile(str(path))


def build_runner(cfg: Config, data_roots: dict, tmp_path: Path,
                 iters: int = 1) -> Runner:
    cfg = shrink(cfg, data_roots, str(tmp_path / 'work'))
    cfg.train_cfg.update(max_iters=iters, val_interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointAfterValHook',
                                        by_epoch=False, interval=1)
    return Runner.from_cfg(cfg)


def hook_of(runner: Runner, hook_type: type):
    found = [h for h in runner.hooks if type(h) is hook_type]
    assert len(found) == 1, [type(h).__name__ for h in runner.hooks]
    return found[0]


def test_shipped_runtime_names_every_hook(inherited_config):
    cfg = Config.fromfile(str(CONFIGS / inherited_config))
    for name, hook_type in HOOKS.items():
        assert cfg.default_hooks[name].type == hook_type.__name__
    assert not any(h.get('type') in {t.__name__ for t in HOOKS.values()}
                   for h in cfg.get('custom_hooks') or [])


def test_own_custom_hooks_keep_the_checks(tmp_path, data_roots,
                                          inherited_config):
    cfg = user_config(tmp_path, inherited_config,
                      "custom_hooks = [dict(type='EMAHook')]")
    runner = build_runner(cfg, data_roots, tmp_path)
    names = [type(h).__name__ for h in runner.hooks]
    assert 'EMAHook' in names
    for hook_type in HOOKS.values():
        assert hook_of(runner, hook_type).enabled
    # Priorities as declared: the load check first, the fusion choice
    # before the best checkpoint is written.
    assert names.index('CheckpointMatchHook') < names.index('EMAHook')
    assert names.index('FusionSelectHook') < names.index(
        'CheckpointAfterValHook')


def test_own_custom_hooks_still_stop_on_a_non_finite_loss(
        tmp_path, data_roots, inherited_config):
    cfg = user_config(
        tmp_path, inherited_config,
        "custom_hooks = [dict(type='EMAHook')]\n"
        "model = dict(decode_head=dict(loss_decode=dict("
        "type='CrossEntropyLoss', loss_weight=float('nan'))))")
    runner = build_runner(cfg, data_roots, tmp_path)
    with pytest.raises(NonFiniteLossError, match='iteration 1'):
        runner.train()
    assert not list((tmp_path / 'work').glob('*.pth'))


def test_own_custom_hooks_still_refuse_a_misfitting_checkpoint(
        tmp_path, data_roots, inherited_config):
    cfg = user_config(tmp_path, inherited_config,
                      "custom_hooks = [dict(type='EMAHook')]")
    runner = build_runner(cfg, data_roots, tmp_path)
    state = runner.model.state_dict()
    name = next(k for k, v in state.items() if v.dim() == 4)
    state[name] = torch.zeros(1, *state[name].shape[1:])
    path = str(tmp_path / 'other.pth')
    save_checkpoint(dict(state_dict=state), path)
    with pytest.raises(CheckpointMismatchError, match=name):
        runner.load_checkpoint(path)


def test_own_custom_hooks_still_store_the_chosen_fusion(
        tmp_path, data_roots, inherited_config):
    cfg = user_config(tmp_path, inherited_config,
                      "custom_hooks = [dict(type='EMAHook')]")
    runner = build_runner(cfg, data_roots, tmp_path, iters=2)
    head = runner.model.decode_head
    chosen = []
    select = hook_of(runner, FusionSelectHook)
    original = select.after_val_epoch

    def record(runner, metrics=None):
        original(runner, metrics)
        chosen.append(list(head.fusion.levels))

    select.after_val_epoch = record
    runner.train()
    assert len(chosen) == 2  # one choice per validation
    last = load_from_local_weights_only(
        str(tmp_path / 'work' / 'iter_2.pth'), map_location='cpu')
    weights = last['state_dict']['decode_head.fusion_weights']
    assert [level for level, w in zip(head.levels, weights.tolist())
            if w > 0] == chosen[-1]


@pytest.mark.parametrize('name', sorted(HOOKS))
def test_a_hook_is_switched_off_by_name(name, inherited_config):
    cfg = Config.fromfile(str(CONFIGS / inherited_config))
    cfg.merge_from_dict({f'default_hooks.{name}.enabled': False})
    built = REGISTRY.build(cfg.default_hooks[name])
    assert isinstance(built, HOOKS[name]) and not built.enabled
    for stage in built.stages:  # every stage does nothing
        assert getattr(built, stage)(None) is None


def test_switched_off_non_finite_check_lets_a_nan_loss_train(
        tmp_path, data_roots, inherited_config):
    cfg = user_config(
        tmp_path, inherited_config,
        "default_hooks = dict(non_finite_loss=dict(enabled=False))\n"
        "model = dict(decode_head=dict(loss_decode=dict("
        "type='CrossEntropyLoss', loss_weight=float('nan'))))")
    runner = build_runner(cfg, data_roots, tmp_path)
    runner.train()
    assert runner.iter == 1
    assert math.isnan(runner.message_hub.get_scalar('train/loss').current())


def test_enabled_must_be_a_bool():
    with pytest.raises(ValueError, match="enabled must be True or False, "
                       "got 'no'"):
        DataCheckHook(enabled='no')
