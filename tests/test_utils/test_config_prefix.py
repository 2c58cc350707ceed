"""``mmseg_unetpp::`` in ``_base_`` once the plugin is imported, in this
process (an installed wheel: tests/test_packaging)."""
import sys
from pathlib import Path

import pytest
from helpers import run_command
from mmengine.config import Config

import mmseg_unetpp
from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder
from mmseg_unetpp.utils.launch import load_config

PACKAGE = Path(mmseg_unetpp.__file__).resolve().parent


def user_config(tmp_path: Path, base: str) -> Path:
    path = tmp_path / 'my_config.py'
    path.write_text(f'_base_ = [{base!r}]\n'
                    'model = dict(decode_head=dict(num_classes=3))\n')
    return path


def files_read(cfg: Config) -> list:
    """The files MMEngine read for ``cfg``, from ``Config.text``."""
    return [
        Path(line) for line in cfg.text.splitlines()
        if line.endswith('.py') and Path(line).is_file()
    ]


def test_prefix_reads_the_imported_packages_configs(tmp_path,
                                                    inherited_config):
    mim_configs = PACKAGE / '.mim' / 'configs'
    assert mim_configs.is_dir(), (
        f'{mim_configs} is missing: install the package (make install)')
    cfg = Config.fromfile(
        user_config(tmp_path, f'mmseg_unetpp::{inherited_config}'))
    base = Config.fromfile(mim_configs / inherited_config)
    assert cfg.model.backbone == base.model.backbone  # inherited
    assert cfg.model.decode_head.num_classes == 3  # the user's override
    assert base.model.decode_head.num_classes != 3
    assert mim_configs / inherited_config in files_read(cfg)


def test_inherited_config_builds_with_mmseg_apis(tmp_path, inherited_config):
    from mmseg.apis import init_model
    model = init_model(
        str(user_config(tmp_path, f'mmseg_unetpp::{inherited_config}')),
        device='cpu')
    assert isinstance(model, DeepSupervisionEncoderDecoder)
    heads = [m for n, m in model.named_modules() if n.endswith('conv_seg')]
    assert heads and all(h.out_channels == 3 for h in heads)


def test_missing_inherited_config_is_a_one_line_error(tmp_path):
    config = user_config(tmp_path, 'mmseg_unetpp::unetpp/no_such_config.py')
    with pytest.raises(FileNotFoundError) as error:
        load_config(str(config))
    message = str(error.value)
    assert '\n' not in message and message.startswith(f'{config}: ')
    assert message.endswith(
        '/.mim/configs/unetpp/no_such_config.py" does not exist')


def test_prefix_path_needs_a_folder(tmp_path):
    """MMEngine's rule, quoted in the README: ``PACKAGE::FOLDER/FILE``."""
    config = user_config(tmp_path, 'mmseg_unetpp::unetpp_camvid.py')
    with pytest.raises(ValueError, match='relative config path'):
        Config.fromfile(config)


def test_startup_hook_registers_the_prefix_without_the_plugin(tmp_path):
    """What ``mmseg_unetpp-prefix.pth`` runs at start-up: the prefix is in
    MMEngine's table as soon as MMEngine loads it, and ``mmseg_unetpp``
    itself is not imported."""
    script = (
        'import sys, _mmseg_unetpp_prefix as hook\n'
        'hook.install()\n'
        'from mmengine.config.utils import MODULE2PACKAGE\n'
        'assert MODULE2PACKAGE["mmseg_unetpp"] == hook.LOCATOR\n'
        'assert "mmseg_unetpp" not in sys.modules\n'
        'assert not any(isinstance(f, hook.TableFinder)\n'
        '               for f in sys.meta_path)\n'
        'hook.install()  # MMEngine already loaded: registered at once\n'
        'assert not any(isinstance(f, hook.TableFinder)\n'
        '               for f in sys.meta_path)\n')
    run_command([sys.executable, '-c', script], cwd=tmp_path, timeout=120)
