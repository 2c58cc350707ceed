import pytest
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Build modules the way MMSeg's Runner does (default scope mmseg)."""
    init_default_scope('mmseg')


@pytest.fixture(scope='session')
def inherited_config() -> str:
    """A shipped config that the tests inherit from a user's config, with
    ``mmseg_unetpp::`` or a relative path (relative to ``configs/``; the
    prefix needs a folder in it)."""
    return 'unetpp/unetpp-l4-w16_ds_1xb4-cpu700_camvid-180x240.py'
