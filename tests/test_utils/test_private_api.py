"""The table of the private APIs of MMEngine, MMSeg and MMCV the package
relies on: complete, true of the installed versions, and one line naming
the versions when an API is missing or has changed."""
import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import mmengine
import pytest
from mmengine.hooks import CheckpointHook
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

import mmseg_unetpp
from mmseg_unetpp.utils import PrivateApiError, UserError, error_line
from mmseg_unetpp.utils.private_api import (
    CHECKED,
    PRIVATE_APIS,
    check,
    check_private_apis,
    owner_of,
    private_api,
)

ROOT = Path(__file__).resolve().parents[2]
OPENMMLAB = ('mmcv.', 'mmengine.', 'mmseg.')
# Private names the package and tools read of other libraries: torch's
# Module._buffers, numpy's _core._reconstruct, os._exit,
# atexit._run_exitfuncs, and the modules of efficientnet_lite_pytorch's
# MBConvBlock, whose forward models/utils/mbconv.py repeats (tested against
# the block's own in test_efficientnet_lite.py).
OTHER_LIBRARIES = {
    '_buffers', '_core', '_reconstruct', '_exit', '_run_exitfuncs',
    '_block_args', '_swish', '_expand_conv', '_depthwise_conv',
    '_project_conv', '_bn1', '_bn2'
}


@pytest.mark.parametrize('api', PRIVATE_APIS, ids=lambda api: api.name)
def test_every_entry_holds_on_the_installed_versions(api):
    check(api)


def test_import_time_check_passes():
    check_private_apis()


def private_names_used_not_defined() -> set:
    """The private attribute names the package and tools read (as
    attributes, or by ``getattr``, ``hasattr``) but never define or
    assign."""
    used, defined = set(), set()
    files = [*(ROOT / 'mmseg_unetpp').rglob('*.py'),
             *(ROOT / 'tools').rglob('*.py')]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                store = isinstance(node.ctx, ast.Store)
                (defined if store else used).add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name):
                defined.add(node.id)
            elif (isinstance(node, ast.Call) and getattr(
                    node.func, 'id', None) in ('getattr', 'hasattr')
                  and isinstance(node.args[1], ast.Constant)):
                used.add(node.args[1].value)
    private = {n for n in used if n.startswith('_') and n[1:2] != '_'}
    return private - defined - OTHER_LIBRARIES


def overridden_private_methods() -> set:
    """``(base class, name)`` of every private attribute of an MMEngine,
    MMSeg or MMCV base class that a class of the package redefines."""
    found = set()
    for module in pkgutil.walk_packages(mmseg_unetpp.__path__,
                                        'mmseg_unetpp.'):
        for _, cls in inspect.getmembers(
                importlib.import_module(module.name), inspect.isclass):
            if cls.__module__ != module.name:
                continue  # imported
            for name, value in vars(cls).items():
                if not (name.startswith('_') and name[1:2] != '_'
                        and inspect.isroutine(value)):
                    continue
                found.update((base, name) for base in cls.__mro__[1:]
                             if base.__module__.startswith(OPENMMLAB)
                             and name in vars(base))
    return found


def test_every_private_api_used_is_in_the_table():
    """What the package reads of MMEngine's, MMSeg's and MMCV's privates,
    and the private methods it replaces, are entries of the table."""
    names = {api.path.split('.')[-1] for api in PRIVATE_APIS}
    unlisted = private_names_used_not_defined() - names
    assert not unlisted, sorted(unlisted)
    entries = {(owner_of(api), api.path.split('.')[-1])
               for api in PRIVATE_APIS}
    missing = overridden_private_methods() - entries
    assert not missing, [f'{b.__module__}.{b.__name__}.{n}'
                         for b, n in missing]


def raises_one_line(*parts: str) -> None:
    """The import-time check fails with one line naming the installed
    MMEngine, the version the table was checked with, and ``parts``."""
    with pytest.raises(PrivateApiError) as error:
        check_private_apis()
    message = str(error.value)
    assert isinstance(error.value, UserError)
    assert '\n' not in message and error_line(error.value) == message
    assert f'but mmengine {mmengine.__version__} is installed' in message
    assert f'checked against mmengine {CHECKED["mmengine"]}' in message
    assert f'install mmengine=={CHECKED["mmengine"]}' in message
    assert all(part in message for part in parts), message


def test_a_missing_private_api_is_named(monkeypatch):
    monkeypatch.delattr(CheckpointHook, '_save_checkpoint')
    raises_one_line('mmengine.hooks.CheckpointHook._save_checkpoint(self, '
                    'runner) of mmengine', 'where it is missing')


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(BaseDecodeHead, '_stack_batch_gt',
                        lambda self, samples, extra: None)
    message = str(pytest.raises(PrivateApiError, check_private_apis).value)
    assert ('_stack_batch_gt(self, batch_data_samples) of mmseg' in message
            and 'its parameters are (self, samples, extra)' in message)


def test_a_replaced_method_no_longer_called_is_named(monkeypatch):
    """A base class that stops calling the method the package replaces."""
    monkeypatch.setattr(CheckpointHook, 'after_train_iter',
                        lambda self, runner, *args, **kwargs: None)
    raises_one_line('where after_train_iter no longer uses it')


def test_a_name_not_in_the_table_is_refused():
    with pytest.raises(KeyError, match='not in'):
        private_api('mmengine.hooks.CheckpointHook._no_such_method')
