"""DDP on CPU (gloo, 2 processes) through ``tools/dist_train.sh``: SyncBN,
as multi-GPU configs have it, falls back to BN; the val score logged
during training is the score ``tools/test.py`` gives for the checkpoint
saved at that iteration, although each process updates its own BN
statistics."""
import random
import re
import sys

from helpers import run_command
from tiny_project import REPO, make_data, write_config

METRICS = ('aAcc', 'mIoU', 'mAcc')


def logged_val_metrics(work) -> dict:
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    line = [x for x in log.splitlines() if 'Iter(val)' in x][-1]
    return {k: float(re.search(rf'{k}: ([\d.]+)', line).group(1))
            for k in METRICS}


def test_val_score_logged_under_ddp_is_the_checkpoints(tmp_path, tool):
    data = make_data(tmp_path / 'data')
    config = write_config(tmp_path / 'cfg.py', data, width=8)
    work = tmp_path / 'work'
    out = run_command(
        ['bash', REPO / 'tools' / 'dist_train.sh', config, '2', '--work-dir',
         work, '--cfg-options', 'train_dataloader.batch_size=1',
         'train_cfg.max_iters=8', 'train_cfg.val_interval=8',
         'default_hooks.checkpoint.interval=8',
         'optim_wrapper.optimizer.lr=0.01',
         'model.backbone.norm_cfg.type=SyncBN'],
        cwd=tmp_path, env=dict(PYTHON=sys.executable,
                               PORT=str(random.randint(20000, 40000))))
    assert 'SyncBN needs CUDA' in out.stdout + out.stderr
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    logged = logged_val_metrics(work)

    result = tool('test', config, work / 'iter_8.pth', '--work-dir',
                  tmp_path / 'test')
    assert result.code == 0, result.err
    line = result.out.split('metrics: ')[-1].splitlines()[0]
    tested = {k: float(v) for k, v in re.findall(r'([\w.-]+) ([\d.]+)',
                                                   line)}
    assert {k: tested[k] for k in METRICS} == logged
