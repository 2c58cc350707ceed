"""UNet++ for MMSegmentation.

Importing the package (directly or through a config's
``custom_imports=dict(imports=['mmseg_unetpp'])``) registers every module in
MMSeg's registries, makes MMEngine load checkpoints safely with
``torch.load(weights_only=True)`` and lets the configs parsed afterwards
inherit this package's with ``_base_ = ['mmseg_unetpp::unetpp/....py']``.
"""
from .utils.env import check_mmcv

check_mmcv()  # before mmseg, whose own import fails less helpfully

from .utils.private_api import check_private_apis  # noqa: E402

check_private_apis()  # the private APIs of MMEngine, MMSeg and MMCV used

from .utils.checkpoint import register_safe_checkpoint_loading  # noqa: E402

register_safe_checkpoint_loading()

from .utils.config_prefix import register_config_prefix  # noqa: E402

register_config_prefix()

from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
