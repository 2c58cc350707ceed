"""Checks that the OpenMMLab stack this package runs on is usable, and
the optional packages of the extras."""
import importlib
import importlib.util
from types import ModuleType

from mmengine.utils import digit_version

from .errors import MissingPackageError

MMCV_MIN = '2.0.0rc4'
MMCV_MAX = '2.2.0'  # exclusive: MMSegmentation 1.2 refuses mmcv 2.2.0
MMCV_INSTALL_HINT = (
    'run `bash tools/install.sh` from the mmseg-unetpp checkout, or by hand: '
    'pip install "setuptools>=77.0.3,<81" wheel ninja psutil && '
    'MMCV_WITH_OPS=1 FORCE_CUDA=0 pip install --no-build-isolation '
    'mmcv==2.1.0')


def check_mmcv() -> None:
    """Raise ``ImportError`` saying what to install unless the full mmcv
    (with compiled ops) in ``[2.0.0rc4, 2.2.0)`` is installed."""
    wanted = f'mmcv>={MMCV_MIN},<{MMCV_MAX} with its compiled ops'
    try:
        import mmcv
    except ImportError:
        raise ImportError(f'mmseg_unetpp needs {wanted}, but mmcv is not '
                          f'installed; {MMCV_INSTALL_HINT}') from None
    version = mmcv.__version__
    if not (digit_version(MMCV_MIN) <= digit_version(version) <
            digit_version(MMCV_MAX)):
        raise ImportError(
            f'mmseg_unetpp needs {wanted}, but mmcv {version} is installed; '
            f'`pip uninstall -y mmcv`, then {MMCV_INSTALL_HINT}')
    if importlib.util.find_spec('mmcv._ext') is None:
        raise ImportError(
            f'mmseg_unetpp needs {wanted}, but mmcv {version} has no compiled '
            'ops (mmcv-lite, or a build without MMCV_WITH_OPS=1), and '
            '`import mmseg.utils` imports mmcv.ops; '
            f'`pip uninstall -y mmcv mmcv-lite`, then {MMCV_INSTALL_HINT}')


def import_optional(module: str, extra: str, needed_for: str) -> ModuleType:
    """Import a package that an extra of mmseg-unetpp installs.

    Args:
        module (str): The module, e.g. ``'onnxruntime'``.
        extra (str): The extra that installs it, e.g. ``'deploy'``.
        needed_for (str): What needs it, for the error.

    Raises:
        MissingPackageError: ``"ONNX inference needs the package
            onnxruntime, which is not installed: pip install
            'mmseg-unetpp[deploy]'"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.replace('_', '-')
        raise MissingPackageError(
            f'{needed_for} needs the package {package}, which is not '
            f"installed: pip install 'mmseg-unetpp[{extra}]'") from None
