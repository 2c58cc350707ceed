import functools
import logging
import sys

import pytest
from helpers import one_thread
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.utils.private_api import private_api


def pytest_configure(config):
    """MMEngine resolves a ``mmseg::`` (or ``mmseg_unetpp::``) base by
    reading the package's model-index.yml and every metafile it lists
    (MMSeg has dozens), at every base of every config it parses: about
    0.15 s a config on an idle machine. The files do not change while the
    tests run, so each test process reads each file once. From the start
    of the session: test modules parse configs as they are collected."""
    name = 'mmengine.config.utils.load'  # a private API
    config.metafiles_read_once = pytest.MonkeyPatch()
    config.metafiles_read_once.setattr(
        name, functools.lru_cache(maxsize=None)(private_api(name)))


def pytest_unconfigure(config):
    config.metafiles_read_once.undo()


def compile_config_text(text: str, **yapf_options) -> tuple:
    """What MMEngine's ``Config.pretty_text`` gets from yapf's
    ``FormatCode``: the text of a config, here compiled (a text yapf could
    not format raises) but not formatted."""
    compile(text, '<config>', 'exec')
    return text, False


@pytest.fixture(autouse=True, scope='session')
def config_text_not_formatted():
    """MMEngine formats a config's text with yapf each time it is asked for
    it: four times as a Runner starts, once as ``tools/prune.py`` writes a
    config, half a second each on a 2-core machine. Unformatted, it is the
    same Python (the tools' own processes still format it)."""
    name = 'mmengine.config.config.FormatCode'
    private_api(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(name, compile_config_text)
        yield


@pytest.fixture(autouse=True, scope='session')
def on_one_thread():
    """One thread for this process and the processes it starts: the
    tests' models and images are tiny, and a second thread costs more than
    it gives on a busy machine (a test twice as long or more)."""
    with one_thread():
        yield


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Build modules the way MMSeg's Runner does (default scope mmseg)."""
    init_default_scope('mmseg')


@pytest.fixture(autouse=True)
def mmengine_logs_to_this_tests_stdout():
    """MMEngine's loggers live across tests and keep the stdout of the test
    that made them, closed once that test ends: point them at this one's."""
    loggers = private_api('mmengine.logging.MMLogger._instance_dict')
    for logger in loggers.values():
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.stream = sys.stdout  # no flush of the closed one


@pytest.fixture(scope='session')
def inherited_config() -> str:
    """A shipped config that the tests inherit from a user's config, with
    ``mmseg_unetpp::`` or a relative path (relative to ``configs/``; the
    prefix needs a folder in it)."""
    return 'unetpp/unetpp-l4-w16_ds_1xb4-2750_camvid-180x240.py'


@pytest.fixture(scope='session')
def deploy_project(tmp_path_factory) -> dict:
    """Generated data, a tiny UNet++ l4 config and a checkpoint of random
    weights, for the pruning, ONNX, report and demo tests."""
    from helpers import write_deploy_project
    return write_deploy_project(tmp_path_factory.mktemp('deploy_project'))
