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
but MMSeg, so there the prefix is unknown and MMEngine stops with
``mmengine does not support to load mmseg_unetpp config``.
"""
from mmengine.config.utils import MODULE2PACKAGE

PREFIX = 'mmseg_unetpp'
# What MMEngine locates for the prefix (``mmengine.utils.get_installed_path``):
# a distribution name, or, when no distribution has that name, a module; the
# folder found holds ``.mim``. A module of this package makes it the folder
# of the copy that is imported.
# The distribution name would not: MMEngine 0.10 joins it to the folder of
# the distribution's metadata, which for an editable install is
# site-packages, where no package folder exists.
LOCATOR = 'mmseg_unetpp.registry'


def register_config_prefix() -> None:
    """Make MMEngine resolve ``mmseg_unetpp::PATH`` in ``_base_`` to
    ``mmseg_unetpp/.mim/configs/PATH`` of the imported package."""
    MODULE2PACKAGE[PREFIX] = LOCATOR
