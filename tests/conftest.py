import pytest
from mmengine.registry import init_default_scope

import mmseg_unetpp  # noqa: F401


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Build modules the way MMSeg's Runner does (default scope mmseg)."""
    init_default_scope('mmseg')
