"""The private APIs of MMEngine, MMSeg and MMCV this package relies on.

Each is named once, in :data:`PRIVATE_APIS`, with what relies on it and
what is relied on: its signature's parameter names, the functions of its
class (or module) that must still reach it (for the methods this package
replaces, and the attributes an ``__init__`` sets). Every entry was checked
against the versions of :data:`CHECKED`.

Importing the package checks the entries the package itself relies on
(:func:`check_private_apis`: attribute look-ups, signatures and the names
in code objects; no source file is read, under a millisecond); the tests
look theirs up with :func:`private_api`. Where another version has
removed or changed one, the check raises one
:class:`~mmseg_unetpp.utils.errors.PrivateApiError` line naming the API,
the installed version and the version it was checked against, instead of
an ``AttributeError`` deep in a hook.
"""
import importlib
import inspect
from types import CodeType
from typing import Any, Iterator, NamedTuple, Optional, Tuple

from .errors import PrivateApiError

# The versions every entry of PRIVATE_APIS was checked against.
CHECKED = {'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmseg': '1.2.2'}
# The distribution of each package, for pip.
DISTRIBUTIONS = {'mmseg': 'mmsegmentation'}


class PrivateApi(NamedTuple):
    """A private API of MMEngine, MMSeg or MMCV.

    Attributes:
        module (str): The module it is reached from (its first part is the
            package), e.g. ``'mmengine.hooks'``.
        path (str): Its attribute path in ``module``, e.g.
            ``'CheckpointHook._save_checkpoint'``.
        user (str): What relies on it, and on what.
        params (tuple[str], optional): The parameter names its signature
            must have, in order (a function or method). Default: None.
        used_by (tuple[str]): The functions of its class (or module) whose
            code must still name it: the callers of a method this package
            replaces, the ``__init__`` that sets an instance attribute.
        instance (bool): An attribute of the instances, which the class
            does not have. Default: False.
        at_import (bool): Checked when the package is imported; the
            tests' own are checked when looked up. Default: True.
    """
    module: str
    path: str
    user: str
    params: Optional[Tuple[str, ...]] = None
    used_by: Tuple[str, ...] = ()
    instance: bool = False
    at_import: bool = True

    @property
    def name(self) -> str:
        """The dotted name, e.g.
        ``'mmengine.hooks.CheckpointHook._save_checkpoint'``."""
        return f'{self.module}.{self.path}'


PRIVATE_APIS = (
    PrivateApi(
        'mmengine.hooks', 'CheckpointHook._save_checkpoint',
        'CheckpointAfterValHook replaces it, to defer the checkpoint that '
        "CheckpointHook's after_train_iter and after_train_epoch write",
        params=('self', 'runner'),
        used_by=('after_train_iter', 'after_train_epoch')),
    PrivateApi(
        'mmengine.hooks', 'CheckpointHook._save_checkpoint_with_step',
        'CheckpointAfterValHook writes the deferred checkpoint with it',
        params=('self', 'runner', 'step', 'meta')),
    PrivateApi(
        'mmengine.optim', 'OptimWrapper._accumulative_counts',
        'SkipNonFiniteOptimWrapper: the iterations of an accumulation '
        'window', used_by=('__init__', 'should_update'), instance=True),
    PrivateApi(
        'mmengine.config.utils', 'load',
        "tests/conftest.py and test_wheel.py: each test process reads each "
        "package's metafiles once", used_by=('_get_cfg_metainfo', ),
        at_import=False),
    PrivateApi(
        'mmengine.config.config', 'FormatCode',
        "tests/conftest.py: yapf's formatter, which Config.pretty_text "
        'calls; the tests compile the text instead of formatting it',
        at_import=False),
    PrivateApi(
        'mmengine.logging', 'MMLogger._instance_dict',
        "tests/conftest.py: MMEngine's loggers, by name", at_import=False),
    PrivateApi(
        'mmengine.runner', 'CheckpointLoader._schemes',
        "tests/test_import.py: MMEngine's checkpoint loaders, by prefix",
        at_import=False),
    PrivateApi(
        'mmseg.models.decode_heads.decode_head',
        'BaseDecodeHead._stack_batch_gt',
        'DeepSupervisionHead.branch_loss: the labels of a batch',
        params=('self', 'batch_data_samples')),
    PrivateApi(
        'mmseg.models', 'SegDataPreProcessor._enable_normalize',
        'SegmentorLogits: whether the preprocessor normalises',
        used_by=('__init__', 'forward'), instance=True),
    PrivateApi(
        'mmseg.datasets', 'BaseSegDataset._update_palette',
        "CamVidDataset extends it; BaseSegDataset's __init__ calls it",
        params=('self', ), used_by=('__init__', )),
    PrivateApi(
        'mmseg.datasets.transforms', 'LoadAnnotations._load_seg_map',
        "this package's LoadAnnotations extends it",
        params=('self', 'results')),
    PrivateApi(
        'mmseg.datasets.transforms', 'Resize._resize_seg',
        'CenteredResize replaces it', params=('self', 'results')),
    PrivateApi(
        'mmseg.visualization', 'SegLocalVisualizer._draw_sem_seg',
        'SegLegendVisualizer extends it; add_datasample calls it',
        params=('self', 'image', 'sem_seg', 'classes', 'palette',
                'with_labels'),
        used_by=('add_datasample', )),
    PrivateApi(
        'mmcv.transforms', 'LoadAnnotations._load_seg_map',
        "this package's LoadAnnotations extends it; transform calls it",
        params=('self', 'results'), used_by=('transform', )),
    PrivateApi(
        'mmcv.transforms', 'Resize._resize_seg',
        "CenteredResize replaces it; transform calls it after resizing the "
        'image', params=('self', 'results'), used_by=('transform', )),
)


def _names(code: CodeType) -> Iterator[str]:
    """The global and attribute names ``code`` (and the functions and
    comprehensions inside it) reads or writes."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _names(const)


def _fail(api: PrivateApi, problem: str) -> PrivateApiError:
    """The one-line error: ``api``, the installed and the checked version
    of its package, and ``problem``."""
    package = api.module.split('.')[0]
    version = getattr(importlib.import_module(package), '__version__', '?')
    signature = '' if api.params is None else f'({", ".join(api.params)})'
    return PrivateApiError(
        f'mmseg_unetpp needs the private API {api.name}{signature} of '
        f'{package} (checked against {package} {CHECKED[package]}; '
        f'{api.user}), but {package} {version} is installed, where '
        f'{problem}; install {DISTRIBUTIONS.get(package, package)}=='
        f'{CHECKED[package]}')


def owner_of(api: PrivateApi) -> Any:
    """The class or module that holds ``api``.

    Raises:
        PrivateApiError: If it is missing.
    """
    *owner_path, _ = api.path.split('.')
    try:
        owner = importlib.import_module(api.module)
        for part in owner_path:
            owner = getattr(owner, part)
    except (ImportError, AttributeError):
        owner_name = '.'.join([api.module] + owner_path)
        raise _fail(api, f'{owner_name} is missing') from None
    return owner


def check(api: PrivateApi) -> Any:
    """Check that ``api`` is in the installed package as relied on.

    Returns:
        The attribute (None for an instance attribute).

    Raises:
        PrivateApiError: If it is missing or has changed.
    """
    owner, attr = owner_of(api), api.path.split('.')[-1]
    if not (api.instance or hasattr(owner, attr)):
        raise _fail(api, 'it is missing')
    found = getattr(owner, attr, None)
    if api.params is not None:
        try:
            params = tuple(inspect.signature(found).parameters)
        except (TypeError, ValueError):
            params = None
        if params != api.params:
            raise _fail(api, 'its parameters are '
                        f'({", ".join(params or ["unknown"])})')
    for name in api.used_by:
        caller = inspect.unwrap(getattr(owner, name, None))
        code = getattr(caller, '__code__', None)
        if code is None or attr not in set(_names(code)):
            raise _fail(api, f'{name} no longer uses it')
    return found


def private_api(name: str) -> Any:
    """The private API ``name`` of :data:`PRIVATE_APIS`, checked.

    Args:
        name (str): Its dotted name, e.g.
            ``'mmengine.config.utils.load'``.

    Raises:
        KeyError: If the table has no such entry.
        PrivateApiError: If it is missing or has changed.
    """
    for api in PRIVATE_APIS:
        if api.name == name:
            return check(api)
    raise KeyError(f'{name} is not in mmseg_unetpp.utils.private_api.'
                   'PRIVATE_APIS')


def check_private_apis() -> None:
    """Check every private API the package relies on (the entries with
    ``at_import``); the package's import calls this.

    Raises:
        PrivateApiError: For the first that is missing or has changed.
    """
    for api in PRIVATE_APIS:
        if api.at_import:
            check(api)
