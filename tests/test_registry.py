"""The ``mmseg_unetpp`` registry scope: what configs inherited with
``mmseg_unetpp::`` are built from."""
import mmseg.registry
import pytest
from mmengine.registry import MODELS as ROOT_MODELS

from mmseg_unetpp import registry
from mmseg_unetpp.models.backbones import UNetPlusPlus


@pytest.mark.parametrize('name', mmseg.registry.__all__)
def test_a_node_under_each_of_mmsegs(name):
    node = getattr(registry, name)
    assert node.scope == 'mmseg_unetpp'
    assert node.parent is getattr(mmseg.registry, name)


def test_nodes_find_mmsegs_modules_and_ours():
    assert registry.MODELS.get('UNetPlusPlus') is UNetPlusPlus
    assert registry.MODELS.get('CrossEntropyLoss') is (
        mmseg.registry.MODELS.get('CrossEntropyLoss'))
    assert registry.DATASETS.get('CamVidDataset') is not None
    assert registry.HOOKS.get('SegVisualizationHook') is not None
    assert registry.VISUALIZERS.get('SegLocalVisualizer') is not None
    assert registry.HOOKS.get('CheckpointHook') is not None  # MMEngine's


def test_scoped_config_builds_from_the_root_registry():
    """How the Runner builds a module that a ``mmseg_unetpp::`` base config
    holds (MMEngine sets its ``_scope_``)."""
    backbone = ROOT_MODELS.build(
        dict(type='UNetPlusPlus', _scope_='mmseg_unetpp', base_channels=4,
             num_stages=3))
    assert isinstance(backbone, UNetPlusPlus)
