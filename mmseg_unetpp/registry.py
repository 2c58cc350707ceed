"""Registry nodes of the ``mmseg_unetpp`` scope.

MMEngine scopes what a config inherits from a package: every module dict of
a ``mmseg_unetpp::...`` base config gets ``_scope_='mmseg_unetpp'``, and
building it imports ``mmseg_unetpp.registry`` and looks for the registry node
of that scope. The nodes here are children of MMSeg's: they hold nothing
themselves and find everything registered in MMSeg's registries (this
package's modules included) through their parent, so an inherited config
builds exactly as it does with ``default_scope='mmseg'``.

New modules go into MMSeg's registries (``mmseg.registry.MODELS`` ...), as
this package's do, so that configs with MMSeg's default scope find them too.
"""
from mmengine.registry import Registry
from mmseg import registry as mmseg_registry

SCOPE = 'mmseg_unetpp'


class ScopeNode(Registry):
    """A node of the ``mmseg_unetpp`` scope under one of MMSeg's nodes.

    Before a look-up it lets MMSeg's node import its modules (MMSeg
    registers some lazily, e.g. its hooks and visualizers), then imports
    this package.

    Args:
        parent (Registry): MMSeg's node of the same kind.
    """

    def __init__(self, parent: Registry) -> None:
        super().__init__(
            parent.name, parent=parent, scope=SCOPE,
            locations=['mmseg_unetpp'])

    def import_from_location(self) -> None:
        self.parent.import_from_location()
        super().import_from_location()


RUNNERS = ScopeNode(mmseg_registry.RUNNERS)
RUNNER_CONSTRUCTORS = ScopeNode(mmseg_registry.RUNNER_CONSTRUCTORS)
LOOPS = ScopeNode(mmseg_registry.LOOPS)
HOOKS = ScopeNode(mmseg_registry.HOOKS)
DATASETS = ScopeNode(mmseg_registry.DATASETS)
DATA_SAMPLERS = ScopeNode(mmseg_registry.DATA_SAMPLERS)
TRANSFORMS = ScopeNode(mmseg_registry.TRANSFORMS)
MODELS = ScopeNode(mmseg_registry.MODELS)
MODEL_WRAPPERS = ScopeNode(mmseg_registry.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = ScopeNode(mmseg_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = ScopeNode(mmseg_registry.OPTIMIZERS)
OPTIM_WRAPPERS = ScopeNode(mmseg_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = ScopeNode(
    mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = ScopeNode(mmseg_registry.PARAM_SCHEDULERS)
METRICS = ScopeNode(mmseg_registry.METRICS)
EVALUATOR = ScopeNode(mmseg_registry.EVALUATOR)
TASK_UTILS = ScopeNode(mmseg_registry.TASK_UTILS)
VISUALIZERS = ScopeNode(mmseg_registry.VISUALIZERS)
VISBACKENDS = ScopeNode(mmseg_registry.VISBACKENDS)
LOG_PROCESSORS = ScopeNode(mmseg_registry.LOG_PROCESSORS)
INFERENCERS = ScopeNode(mmseg_registry.INFERENCERS)

__all__ = [
    'SCOPE', 'ScopeNode', 'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS',
    'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS'
]
