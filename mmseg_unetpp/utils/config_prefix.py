"""``mmseg_unetpp::PATH`` in a config's ``_base_``.

``PATH`` is relative to the repository's ``configs/`` and, by MMEngine's
rule, has a folder: ``mmseg_unetpp::unetpp/unetpp-l4-...py``.
MMEngine 0.10 resolves ``PACKAGE::PATH`` only for the packages of its table
``mmengine.config.utils.MODULE2PACKAGE``, to
``<where the package is>/.mim/configs/PATH`` (after reading
``.mim/model-index.yml``). Importing ``mmseg_unetpp`` adds this package to
that table, so the prefix works wherever the plugin is imported before a
config is parsed: this package's tools, ``mmseg.apis`` in a script that
imports ``mmseg_unetpp``, a user's own script. The configs ship in the package
as ``mmseg_unetpp/.mim/configs`` (copied into a wheel, linked by an editable
install; see ``setup.py``).

MMSeg's own ``tools/train.py`` parses the config before it imports anything
but MMSeg. For it, a non-editable install adds the entry at start-up (see
``_mmseg_unetpp_prefix``, which holds the entry); without that, MMEngine
stops with ``mmengine does not support to load mmseg_unetpp config``.
"""
from mmengine.config.utils import MODULE2PACKAGE

from _mmseg_unetpp_prefix import LOCATOR, PREFIX, register

__all__ = ['LOCATOR', 'PREFIX', 'register_config_prefix']


def register_config_prefix() -> None:
    """Make MMEngine resolve ``mmseg_unetpp::PATH`` in ``_base_`` to
    ``mmseg_unetpp/.mim/configs/PATH`` of the imported package."""
    register(MODULE2PACKAGE)
