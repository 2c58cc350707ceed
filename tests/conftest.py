import logging
import sys

import pytest
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Build modules the way MMSeg's Runner does (default scope mmseg)."""
    init_default_scope('mmseg')


@pytest.fixture(autouse=True)
def mmengine_logs_to_this_tests_stdout():
    """MMEngine's loggers live across tests and keep the stdout of the test
    that made them, closed once that test ends: point them at this one's."""
    for logger in MMLogger._instance_dict.values():
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.stream = sys.stdout  # no flush of the closed one


@pytest.fixture(scope='session')
def inherited_config() -> str:
    """A shipped config that the tests inherit from a user's config, with
    ``mmseg_unetpp::`` or a relative path (relative to ``configs/``; the
    prefix needs a folder in it)."""
    return 'unetpp/unetpp-l4-w16_ds_1xb4-cpu2750_camvid-180x240.py'


@pytest.fixture(scope='session')
def deploy_project(tmp_path_factory) -> dict:
    """Generated data, a tiny UNet++ L4 config and a checkpoint of random
    weights, for the pruning, ONNX, report and demo tests."""
    from helpers import write_deploy_project
    return write_deploy_project(tmp_path_factory.mktemp('deploy_project'))
