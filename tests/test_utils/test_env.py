import importlib.util
import sys
import types

import pytest

from mmseg_unetpp.utils import check_mmcv


def fake_mmcv(monkeypatch, version, with_ops=True):
    module = types.ModuleType('mmcv')
    module.__version__ = version
    monkeypatch.setitem(sys.modules, 'mmcv', module)
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        if name == 'mmcv._ext':
            return object() if with_ops else None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)


def test_installed_mmcv_passes():
    check_mmcv()


def test_missing_mmcv_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv', None)
    with pytest.raises(ImportError, match=r'not installed.*mmcv==2\.1\.0'):
        check_mmcv()


def test_mmcv_2_2_is_refused(monkeypatch):
    fake_mmcv(monkeypatch, '2.2.0')
    with pytest.raises(ImportError) as error:
        check_mmcv()
    message = str(error.value)
    assert 'mmcv 2.2.0 is installed' in message
    assert 'pip uninstall -y mmcv' in message and 'mmcv==2.1.0' in message


def test_mmcv_lite_is_refused(monkeypatch):
    fake_mmcv(monkeypatch, '2.1.0', with_ops=False)
    with pytest.raises(ImportError, match=r'no compiled ops.*mmcv-lite.*'
                       r'MMCV_WITH_OPS=1'):
        check_mmcv()
