"""Python start-up cost of the ``mmseg_unetpp-prefix.pth`` hook.

Runs each snippet below in a fresh interpreter (``python -c``) and prints
the median wall-clock: an empty program and a first import of
``mmengine.config``, each without and with the line the ``.pth`` file runs
at start-up. Run it with the environment's Python::

    python .dev_scripts/startup_cost.py
"""
import statistics
import subprocess
import sys
import time

HOOK = 'import _mmseg_unetpp_prefix; _mmseg_unetpp_prefix.install()'
SNIPPETS = [
    ('pass', 'pass', 40),
    ('hook, then pass', HOOK, 40),
    ('import mmengine.config', 'import mmengine.config', 20),
    ('hook, then import mmengine.config', f'{HOOK}; import mmengine.config',
     20),
]


def median_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, '-c', code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


if __name__ == '__main__':
    for name, code, runs in SNIPPETS:
        print(f'{name}: {median_ms(code, runs):.1f} ms (median of {runs})')
