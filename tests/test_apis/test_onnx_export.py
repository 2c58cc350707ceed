"""ONNX export: onnxruntime on the CPU agrees with PyTorch (softmax within
1e-4) at CamVid's 360x480, at odd sizes and in a batch, for the paper's
UNet++ and for the nested decoder over a ResNet; fast mode exports the
pruned sub-network alone."""
import pytest
import torch
from helpers import randomize
from mmengine.config import ConfigDict

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.apis import SegmentorLogits, build_segmentor, prune
from mmseg_unetpp.apis.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
    export_onnx,
    import_deploy,
    onnx_logits,
    onnx_parity,
    onnx_session,
)

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

# Random images at CamVid's size, at odd sizes, and a batch of two.
SHAPES = [(1, 360, 480), (1, 97, 131), (2, 97, 131)]
PREPROCESSOR = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)


def segmentor_cfg(backbone, neck=None, levels=4, width=4, num_classes=11):
    cfg = dict(
        type='DeepSupervisionEncoderDecoder',
        data_preprocessor=PREPROCESSOR,
        backbone=backbone,
        decode_head=dict(
            type='DeepSupervisionHead', in_channels=width, channels=width,
            in_index=list(range(levels)), num_classes=num_classes),
        test_cfg=dict(mode='whole'))
    if neck is not None:
        cfg['neck'] = neck
    return ConfigDict(cfg)


UNETPP = segmentor_cfg(dict(type='UNetPlusPlus', base_channels=4,
                            num_stages=5))
RESNET = segmentor_cfg(
    dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8),
    dict(type='UNetPlusPlusNeck', in_channels=[8, 16, 32, 64], channels=8),
    levels=3, width=8)


def count_convs(path) -> int:
    return sum(node.op_type == 'Conv' for node in onnx.load(path).graph.node)


def exported(cfg, tmp_path, level=None, dynamic=True):
    """The model (accurate, or pruned to ``level``) and its ONNX file."""
    full = randomize(build_segmentor(cfg))
    if level is None:
        model = full
        model.fast_level = None
    else:
        pruned = prune(cfg, full.state_dict(), level)
        model = build_segmentor(pruned.model_cfg)
        model.load_state_dict(pruned.state_dict, strict=True)
    path = str(tmp_path / 'model.onnx')
    export_onnx(model, path, shape=(64, 80), dynamic=dynamic)
    return model, path


@pytest.mark.parametrize('cfg, level', [(UNETPP, None), (UNETPP, 2),
                                        (RESNET, None), (RESNET, 2)],
                         ids=['unetpp-accurate', 'unetpp-fast-l2',
                              'resnet18-accurate', 'resnet18-fast-l2'])
def test_onnxruntime_softmax_matches_pytorch(cfg, level, tmp_path):
    model, path = exported(cfg, tmp_path, level)
    gaps = onnx_parity(model, onnx_session(path), SHAPES)
    assert max(gaps) < 1e-4, gaps


def test_output_is_the_label_map_of_mmseg_predict(tmp_path):
    model, path = exported(UNETPP, tmp_path)
    images = torch.rand(1, 3, 45, 61) * 255
    logits = torch.from_numpy(onnx_logits(onnx_session(path), images.numpy()))
    assert logits.shape == (1, 11, 45, 61)
    data = model.data_preprocessor(dict(inputs=list(images)), False)
    with torch.no_grad():
        sample, = model.predict(data['inputs'])
    agree = (logits.argmax(1)[0] == sample.pred_sem_seg.data[0]).float()
    assert agree.mean() > 0.999  # ties at float precision aside


def test_fast_mode_graph_holds_only_the_pruned_sub_network(tmp_path):
    model, path = exported(UNETPP, tmp_path, level=2)
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    # X(0,0), X(1,0), X(2,0), X(0,1), X(1,1), X(0,2): 2 convs each; branch 2
    assert count_convs(path) == convs == 6 * 2 + 1
    (tmp_path / 'full').mkdir()
    _, full_path = exported(UNETPP, tmp_path / 'full', None)
    assert count_convs(full_path) == 15 * 2 + 4


def test_static_export_fixes_the_input_shape(tmp_path):
    _, path = exported(UNETPP, tmp_path, dynamic=False)
    graph = onnx.load(path).graph
    dims = {
        value.name: [d.dim_value or d.dim_param
                     for d in value.type.tensor_type.shape.dim]
        for value in list(graph.input) + list(graph.output)
    }
    assert dims == {INPUT_NAME: [1, 3, 64, 80], OUTPUT_NAME: [1, 11, 64, 80]}
    (tmp_path / 'dynamic').mkdir()
    _, path = exported(UNETPP, tmp_path / 'dynamic', dynamic=True)
    inputs, = onnx.load(path).graph.input
    assert [d.dim_param for d in inputs.type.tensor_type.shape.dim
            ] == ['batch', '', 'height', 'width']


@pytest.mark.parametrize('level', [None, 2])
def test_graph_is_mmseg_preprocessing_then_encode_decode(level):
    model = randomize(build_segmentor(UNETPP))
    model.fast_level = level
    images = torch.rand(2, 3, 33, 47) * 255
    data = model.data_preprocessor(dict(inputs=list(images)), False)
    metas = [dict(img_shape=(33, 47))] * 2
    with torch.no_grad():
        expected = model.encode_decode(data['inputs'], metas)
        got = SegmentorLogits(model)(images)
    torch.testing.assert_close(got, expected)


def test_missing_deploy_package_names_the_extra():
    with pytest.raises(ImportError, match=r"mmseg-unetpp\[deploy\]"):
        import_deploy('onnx_not_installed')
