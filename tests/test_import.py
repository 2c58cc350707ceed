"""Importing ``mmseg_unetpp`` changes nothing beyond what its docstring
lists: its modules in MMSeg's registries, the weights-only checkpoint
loading (torch's safe globals, MMEngine's loader for local files) and the
``mmseg_unetpp::`` config prefix."""
import json
import sys

from helpers import run_command

SNAPSHOT = r'''
import json, logging, sys, warnings
import torch, mmcv, mmengine, mmseg
import mmseg.models, mmseg.datasets, mmseg.evaluation, mmseg.engine
import mmseg.visualization
from mmengine.config import utils as config_utils
from mmengine.runner import CheckpointLoader
from mmseg import registry

REGISTRIES = [getattr(registry, name) for name in dir(registry)
              if name.isupper() and hasattr(getattr(registry, name),
                                             'module_dict')]


def snapshot():
    return dict(
        safe_globals=sorted(
            g[1] if isinstance(g, tuple) else
            f'{g.__module__}.{g.__qualname__}'
            for g in torch.serialization.get_safe_globals()),
        schemes={k: f'{v.__module__}.{v.__qualname__}'
                 for k, v in CheckpointLoader._schemes.items()},
        module2package=dict(config_utils.MODULE2PACKAGE),
        meta_path=[repr(type(f)) for f in sys.meta_path],
        warning_filters=len(warnings.filters),
        root_handlers=len(logging.root.handlers),
        threads=torch.get_num_threads(),
        dtype=str(torch.get_default_dtype()),
        grad=torch.is_grad_enabled(),
        registered={r.name: {k: f'{v.__module__}'
                             for k, v in r.module_dict.items()}
                    for r in REGISTRIES})


before = snapshot()
import mmseg_unetpp
from mmseg_unetpp.utils.checkpoint import mmengine_checkpoint_globals
after = snapshot()
expected = sorted(
    g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
    for g in mmengine_checkpoint_globals())
print(json.dumps(dict(before=before, after=after, expected=expected)))
'''


def test_import_changes_only_what_it_documents():
    proc = run_command([sys.executable, '-c', SNAPSHOT], timeout=300)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = result['before'], result['after']
    # 1. Safe globals: exactly what MMEngine checkpoints hold.
    added = set(after.pop('safe_globals')) - set(before.pop('safe_globals'))
    assert added == set(result['expected'])
    # 2. MMEngine's loader for local paths, and only that one.
    schemes_before, schemes_after = before.pop('schemes'), after.pop(
        'schemes')
    assert schemes_after[''] == ('mmseg_unetpp.utils.checkpoint.safe_loading'
                                 '.load_from_local_weights_only')
    del schemes_before[''], schemes_after['']
    assert schemes_after == schemes_before
    # 3. The config prefix.
    table_before, table_after = before.pop('module2package'), after.pop(
        'module2package')
    assert table_after == dict(table_before,
                               mmseg_unetpp='mmseg_unetpp.registry')
    # 4. Registries: new entries only, all of them this package's.
    registered_before = before.pop('registered')
    for name, entries in after.pop('registered').items():
        old = registered_before[name]
        assert {k: v for k, v in entries.items() if k in old} == old, name
        assert all(v.startswith('mmseg_unetpp.')
                   for k, v in entries.items() if k not in old), name
    # Nothing else: import hooks, warnings, logging, torch's state.
    assert after == before
