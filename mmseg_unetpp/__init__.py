"""UNet++ for MMSegmentation.

Importing the package (directly or through a config's
``custom_imports=dict(imports=['mmseg_unetpp'])``) registers every module in
MMSeg's registries and makes MMEngine load checkpoints safely with
``torch.load(weights_only=True)``.
"""
from .utils.env import check_mmcv

check_mmcv()  # before mmseg, whose own import fails less helpfully

from .utils.checkpoint import register_safe_checkpoint_loading  # noqa: E402

register_safe_checkpoint_loading()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
