"""Errors caused by the user's data, files, config or arguments.

Every tool (through ``run_tool``) prints a :class:`UserError` as one line
(``error: ...``) and exits with status 1; any other exception is a bug
and keeps its traceback. Every message names the thing at fault (a file, a
config key, an iteration) and what was expected.
"""
import re


class UserError(Exception):
    """Base class of the errors the tools report in one line."""


class BadSampleError(UserError, ValueError):
    """An image or label that cannot be used: unreadable, truncated, of the
    wrong size or format, or holding label ids outside the classes."""


class DataCheckError(UserError):
    """The data check before training found bad samples."""


class NonFiniteLossError(UserError, FloatingPointError):
    """A training loss became NaN or infinite."""


class NonFiniteWeightsError(UserError, FloatingPointError):
    """Model weights became NaN or infinite (they are never saved)."""


class CheckpointError(UserError, RuntimeError):
    """A checkpoint that cannot be used."""


class CorruptCheckpointError(CheckpointError):
    """A checkpoint file that is truncated or not a checkpoint."""


class CheckpointMismatchError(CheckpointError):
    """A checkpoint whose weights do not fit the model of the config."""


class ConfigError(UserError, ValueError):
    """A config value that cannot be built."""


class MissingPackageError(UserError, ImportError):
    """An optional package that a feature needs is not installed."""


class PrivateApiError(UserError, ImportError):
    """The installed MMEngine, MMSeg or MMCV lacks, or has changed, a
    private API this package relies on (see
    :mod:`mmseg_unetpp.utils.private_api`)."""


# The last line of a traceback: ``package.module.SomeError: message``.
_TRACEBACK_TAIL = re.compile(r'^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*: ')


def error_line(error: BaseException) -> str:
    """The message of ``error`` on one line.

    PyTorch re-raises an exception from a DataLoader worker with the
    worker's whole traceback as its message; only the original message (the
    traceback's last line) is kept.

    Args:
        error (BaseException): The exception to report.

    Returns:
        str: The message without line breaks.
    """
    text = str(error)
    if 'Original Traceback' in text:
        lines = [line for line in text.splitlines() if line.strip()]
        text = _TRACEBACK_TAIL.sub('', lines[-1].strip(), count=1)
    return ' '.join(text.split()) or type(error).__name__
