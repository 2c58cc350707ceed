"""A training process SIGKILLed while it rewrites the checkpoint that
``last_checkpoint`` already names (CheckpointHook does so after a new best
score) leaves an intact checkpoint behind, and ``--resume`` from it ends
with exactly the weights of an uninterrupted run (CPU, deterministic)."""
import sys

import pytest
import torch
from helpers import run_command
from tiny_project import REPO, make_data, run_in_process, write_config

from mmseg_unetpp.utils.checkpoint import (
    checkpoint_problem,
    load_from_local_weights_only,
)

# Runs tools/train.py; the KILL_AT_WRITE-th write of a .pth file writes half
# its bytes, then the process SIGKILLs itself.
KILLER = '''
import builtins, os, runpy, signal, sys
kill_at = int(os.environ['KILL_AT_WRITE'])
real_open = builtins.open
writes = 0


class HalfThenKill:
    def __init__(self, file):
        self.file = file

    def write(self, data):
        self.file.write(data[:len(data) // 2])
        self.file.flush()
        os.fsync(self.file.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.file.__exit__(*exc)


def open_(file, mode='r', *args, **kwargs):
    global writes
    opened = real_open(file, mode, *args, **kwargs)
    if 'w' in mode and '.pth' in os.path.basename(str(file)):
        writes += 1
        if writes == kill_at:
            return HalfThenKill(opened)
    return opened


builtins.open = open_
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
'''
# Iteration 2 writes iter_2.pth, then validates, writes best_mIoU_iter_2.pth
# and rewrites iter_2.pth: the kill hits the third write.
KILL_AT_WRITE = 3
OPTIONS = ['train_cfg.max_iters=4', 'randomness.deterministic=True']


def train(config, work, *args) -> int:
    """tools/train.py in this process (one thread)."""
    return run_in_process('train', config, '--work-dir', work, *args,
                          '--cfg-options', *OPTIONS)


def train_killed(config, work):
    """tools/train.py in a process of its own (one thread, as in this
    one), killed at the KILL_AT_WRITE-th checkpoint write."""
    killer = work.parent / 'killer.py'
    killer.write_text(KILLER)
    command = [sys.executable, killer, REPO / 'tools' / 'train.py', config,
               '--work-dir', work, '--cfg-options', *OPTIONS]
    env = dict(KILL_AT_WRITE=str(KILL_AT_WRITE))
    return run_command(command, env=env, check=False)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('interrupted')
    config = write_config(root / 'cfg.py', make_data(root / 'data'))
    whole, killed = root / 'whole', root / 'killed'
    assert train(config, whole) == 0
    proc = train_killed(config, killed)
    return dict(config=config, whole=whole, killed=killed, killed_proc=proc)


def test_kill_during_a_save_leaves_last_checkpoint_intact(runs):
    work = runs['killed']
    assert runs['killed_proc'].returncode == -9
    named = (work / 'last_checkpoint').read_text().strip()
    assert named.endswith('iter_2.pth')
    assert checkpoint_problem(named) is None
    assert checkpoint_problem(str(work / 'best_mIoU_iter_2.pth')) is None
    assert (work / 'iter_2.pth.tmp').is_file()  # the interrupted write


def test_resume_after_kill_gives_the_uninterrupted_weights(runs, capfd):
    work = runs['killed']
    assert train(runs['config'], work, '--resume') == 0
    assert 'Advance dataloader 2 steps' in ''.join(capfd.readouterr())
    resumed = load_from_local_weights_only(str(work / 'iter_4.pth'))
    whole = load_from_local_weights_only(str(runs['whole'] / 'iter_4.pth'))
    assert resumed['state_dict'].keys() == whole['state_dict'].keys()
    for key, value in whole['state_dict'].items():
        assert torch.equal(value, resumed['state_dict'][key]), key
