"""``mmseg_unetpp::PATH`` for configs parsed before anything imports
``mmseg_unetpp``, as MMSeg's stock ``tools/train.py`` parses them.

MMEngine 0.10 resolves ``PACKAGE::PATH`` in a config's ``_base_`` only for
the packages of its table ``mmengine.config.utils.MODULE2PACKAGE``.
Importing ``mmseg_unetpp`` adds this package to the table; a script that
parses a config first never gets there. A non-editable install therefore
also puts ``mmseg_unetpp-prefix.pth`` in site-packages, whose one line
imports this module when Python starts. The module is small and imports
nothing heavy: it waits until ``mmengine.config.utils`` is imported, then
adds the same entry that importing ``mmseg_unetpp`` adds.

The module stands outside the package on purpose: importing
``mmseg_unetpp`` imports torch and MMSeg, far too much for every start of
Python.
"""
import sys

PREFIX = 'mmseg_unetpp'
# What MMEngine locates for the prefix (``mmengine.utils.get_installed_path``):
# a distribution name, or, when no distribution has that name, a module; the
# folder found holds ``.mim``. A module of this package makes it the folder
# of the copy that is imported.
# The distribution name would not: MMEngine 0.10 joins it to the folder of
# the distribution's metadata, which for an editable install is
# site-packages, where no package folder exists.
LOCATOR = 'mmseg_unetpp.registry'
TABLE_MODULE = 'mmengine.config.utils'


def register(table: dict) -> None:
    """Add the prefix to MMEngine's ``MODULE2PACKAGE`` table."""
    table[PREFIX] = LOCATOR


class TableFinder:
    """A finder on ``sys.meta_path`` that finds nothing itself: when
    ``mmengine.config.utils`` is about to be imported, it steps aside, asks
    the other finders, and wraps the module's execution so that
    :func:`register` runs right after it."""

    def find_spec(self, name, path, target=None):
        if name != TABLE_MODULE:
            return None
        uninstall()
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, 'exec_module'):
            return spec
        execute = loader.exec_module

        def exec_module(module):
            execute(module)
            register(module.MODULE2PACKAGE)

        loader.exec_module = exec_module
        return spec


def install() -> None:
    """Register the prefix now if MMEngine's table is loaded, else as soon
    as it is."""
    table = sys.modules.get(TABLE_MODULE)
    if table is not None:
        register(table.MODULE2PACKAGE)
    elif not any(isinstance(f, TableFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TableFinder())


def uninstall() -> None:
    """Remove the finder (the table, once filled, keeps the prefix)."""
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, TableFinder)
    ]
