"""The ``tool`` fixture: ``tools/*.py`` run in-process, output captured."""
from types import SimpleNamespace

import pytest
from tiny_project import run_in_process


@pytest.fixture
def tool(capfd):
    """``tool('train', CONFIG, ...)`` runs ``tools/train.py`` in-process.

    Returns a namespace with ``code`` (exit status), ``out``, ``err`` and
    ``error`` (the last line of stderr)."""

    def run(name: str, *args) -> SimpleNamespace:
        code = run_in_process(name, *args)
        out, err = capfd.readouterr()
        lines = err.strip().splitlines()
        return SimpleNamespace(
            code=code, out=out, err=err, error=lines[-1] if lines else '')

    return run
