"""DeepSupervisionEncoderDecoder: pruning in step with the head, per-level
predictions in one pass, and MMSeg's inference paths (whole, slide, TTA)."""
import copy
from pathlib import Path

import pytest
import torch
from helpers import BINARY_HEAD, SMALL_RESNET, randomize
from helpers import make_samples as _make_samples
from mmengine.config import ConfigDict
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.structures import Levels

NUM_CLASSES = 5
H, W = 37, 45


def make_samples(n: int = 2, num_classes: int = NUM_CLASSES, seed: int = 0):
    return _make_samples(n, num_classes, (H, W), seed)


def segmentor_cfg(seg_type='DeepSupervisionEncoderDecoder', **head):
    decode_head = dict(
        type='DeepSupervisionHead',
        in_channels=4,
        channels=4,
        in_index=[0, 1, 2],
        num_classes=NUM_CLASSES,
        norm_cfg=dict(type='BN'))
    decode_head.update(head)
    cfg = dict(
        type=seg_type,
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[0., 0., 0.],
            std=[1., 1., 1.],
            pad_val=0,
            seg_pad_val=255),
        backbone=dict(type='UNetPlusPlus', base_channels=4, num_stages=4),
        decode_head=decode_head,
        test_cfg=dict(mode='whole'))
    return ConfigDict(cfg)


def test_logged_total_is_weighted_sum_in_segmentor():
    weights = [0.25, 0.5, 1.0]
    model = MODELS.build(segmentor_cfg(loss_weights=weights))
    inputs = torch.randn(2, 3, H, W)
    losses = model.loss(inputs, make_samples())
    assert 'decode.l2.loss_ce' in losses and 'decode.l3.acc_seg' in losses
    total, log_vars = model.parse_losses(losses)
    expected = sum(losses[f'decode.l{k}.loss_ce'] for k in (1, 2, 3))
    torch.testing.assert_close(total, expected)
    assert float(log_vars['loss']) == pytest.approx(expected.item(), rel=1e-5)


def node_names(backbone) -> list:
    return [(f'x_{i}_0', backbone.node(i, 0))
            for i in range(backbone.num_levels + 1)] + list(
                backbone.decoder.nodes.items())


def test_fast_mode_computes_only_sub_network_k_in_inference():
    model = MODELS.build(segmentor_cfg(fast_level=2)).eval()
    computed = []
    model.backbone.register_forward_hook(
        lambda m, i, out: computed.append(len(out)))
    run_nodes = []
    for name, node in node_names(model.backbone):
        node.register_forward_hook(
            lambda m, i, o, name=name: run_nodes.append(name))
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), make_samples())
    assert computed == [2]
    assert sorted(run_nodes) == ['x_0_0', 'x_0_1', 'x_0_2', 'x_1_0', 'x_1_1',
                                 'x_2_0']
    assert results[0].pred_sem_seg.shape == (H, W)
    # Switching back to accurate mode computes the whole grid again.
    model.fast_level = None
    with torch.no_grad():
        model.predict(torch.randn(2, 3, H, W), make_samples())
    assert computed[-1] == 3
    # Training computes every level whatever the mode.
    model.fast_level = 2
    model.train()
    model.loss(torch.randn(2, 3, H, W), make_samples())
    assert computed[-1] == 3


def test_fast_mode_matches_full_model_branch():
    torch.manual_seed(0)
    model = MODELS.build(segmentor_cfg()).eval()
    x = torch.randn(2, 3, H, W)
    with torch.no_grad():
        branch = model.decode_head.forward(model.extract_feat(x))
        model.fast_level = 2
        fast = model.predict(x, make_samples())
    expected = branch[1].argmax(1)
    for k, sample in enumerate(fast):
        assert torch.equal(sample.pred_sem_seg.data[0], expected[k])


def test_stock_encoder_decoder_fast_mode_uses_the_branch_unpruned():
    """MMSeg's EncoderDecoder computes the whole grid; fast mode then picks
    branch k: the same prediction as the pruned one."""
    torch.manual_seed(0)
    ours = MODELS.build(segmentor_cfg(fast_level=2)).eval()
    stock = MODELS.build(
        segmentor_cfg('EncoderDecoder', fast_level=2)).eval()
    stock.load_state_dict(ours.state_dict())
    x = torch.randn(1, 3, H, W)
    with torch.no_grad():
        expected = ours.predict(x, make_samples(1))[0].seg_logits.data
        got = stock.predict(x, make_samples(1))[0].seg_logits.data
    torch.testing.assert_close(got, expected)


def test_segmentor_refuses_a_level_the_grid_cannot_prune_to():
    cfg = segmentor_cfg(fast_level=2)
    cfg.backbone.skip_mode = 'plain'
    cfg.decode_head.update(in_index=[0, 1, 2])
    with pytest.raises(ValueError, match=r"level 2.*'plain'"):
        MODELS.build(cfg)
    cfg.decode_head.update(fast_level=None)
    model = MODELS.build(cfg)
    with pytest.raises(ValueError, match=r"level 2.*'plain'"):
        model.fast_level = 2
    assert model.fast_level is None and model.decode_head.fast_level is None


def test_end_to_end_from_config_train_step_and_predict():
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(
        str(Path(__file__).parents[3] / 'configs' / 'unetpp_camvid.py'))
    cfg.model.backbone.update(base_channels=4, norm_cfg=dict(type='BN'))
    cfg.model.decode_head.update(
        in_channels=4, channels=4, norm_cfg=dict(type='BN'))
    cfg.model.data_preprocessor.size = (H, W)
    cfg.model.type = 'EncoderDecoder'  # the stock segmentor
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = dict(
        inputs=[torch.randint(0, 255, (3, H, W)).float() for _ in range(2)],
        data_samples=make_samples(num_classes=11))
    before = [p.clone() for p in model.parameters()]
    log_vars = model.train_step(data, optim)
    assert {'loss', 'decode.l1.loss_ce', 'decode.l4.acc_seg'} <= set(log_vars)
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.parameters()))
    model.eval()
    results = model.val_step(data)
    assert results[0].pred_sem_seg.shape == (H, W)
    assert results[0].seg_logits.data.shape == (11, H, W)


def test_predict_computes_only_the_prediction_unless_per_level():
    model = MODELS.build(segmentor_cfg()).eval()
    ran = []
    for level, branch in zip(model.decode_head.levels,
                             model.decode_head.branches):
        branch.register_forward_hook(
            lambda m, i, o, level=level: ran.append(level))
    model.decode_head.fusion = Levels(1, 2)
    x = torch.randn(2, 3, H, W)
    with torch.no_grad():
        results = model.predict(x, make_samples())
    assert sorted(ran) == [1, 2]  # level 3 (and X(0, 3)) is not computed
    assert not [key for key in results[0].keys() if Levels.from_key(key)]
    ran.clear()
    model.per_level = True
    with torch.no_grad():
        results = model.predict(x, make_samples())
    assert sorted(ran) == [1, 2, 3]  # each branch once for every run
    assert {Levels.from_key(key) for key in results[0].keys()} - {None} == \
        set(model.decode_head.level_runs)


def test_slide_inference_and_per_level_predictions():
    cfg = segmentor_cfg()
    cfg.test_cfg = ConfigDict(
        mode='slide', crop_size=(24, 24), stride=(16, 16))
    model = MODELS.build(cfg).eval()
    model.per_level = True
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), make_samples())
    for sample in results:
        assert sample.seg_logits.data.shape == (NUM_CLASSES, H, W)
        for k in (1, 2, 3):
            assert sample.get(f'pred_sem_seg_l{k}').shape == (H, W)


@pytest.mark.parametrize('batch_windows', [2, 4, 100])
def test_slide_windows_in_batches_give_the_one_window_logits(batch_windows):
    """Accurate mode and every level: the logits of batched windows are
    those of one window per forward; the caller's metas are not changed."""
    cfg = segmentor_cfg()
    cfg.test_cfg = ConfigDict(
        mode='slide', crop_size=(24, 24), stride=(16, 16))
    one = MODELS.build(cfg).eval()
    cfg.test_cfg.batch_windows = batch_windows
    batched = MODELS.build(cfg).eval()
    batched.load_state_dict(one.state_dict())
    levels = one.decode_head.level_runs  # every level and mean of levels
    x = torch.randn(2, 3, H, W)
    metas = [sample.metainfo for sample in make_samples()]
    with torch.no_grad():
        expected = one.slide_inference(x, metas, levels)
        got = batched.slide_inference(x, metas, levels)
        accurate = batched.slide_inference(x, metas)
    assert got.shape == (2, len(levels) * NUM_CLASSES, H, W)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(  # accurate mode averages every level
        accurate, got[:, -NUM_CLASSES:], atol=1e-5, rtol=1e-5)
    assert all(meta['img_shape'] == (H, W) for meta in metas)


def test_one_slide_window_over_the_image_is_whole_inference():
    cfg = segmentor_cfg()
    cfg.test_cfg = ConfigDict(mode='slide', crop_size=(H, W),
                              stride=(16, 16), batch_windows=3)
    model = MODELS.build(cfg).eval()
    x = torch.randn(2, 3, H, W)
    metas = [sample.metainfo for sample in make_samples()]
    with torch.no_grad():
        slide = model.inference(x, metas)
        model.test_cfg = ConfigDict(mode='whole')
        whole = model.inference(x, metas)
    torch.testing.assert_close(slide, whole)


@pytest.mark.parametrize('batch_windows, fast_level', [(1, None),
                                                       (4, None), (4, 2)])
def test_slide_inference_is_mmsegs(batch_windows, fast_level):
    """The guard of the fork of MMSeg's ``EncoderDecoder.slide_inference``:
    the same logits of the prediction (accurate, or fast at one level), on
    windows that overlap, the last of each row and column shifted back into
    the image (9 windows; 4 a forward: the last forward has 1)."""
    from mmseg.models.segmentors import EncoderDecoder
    cfg = segmentor_cfg()
    cfg.test_cfg = ConfigDict(mode='slide', crop_size=(16, 16),
                              stride=(10, 10), batch_windows=batch_windows)
    model = randomize(MODELS.build(cfg)).eval()
    model.fast_level = fast_level
    x = torch.randn(2, 3, 30, 30)
    metas = [sample.metainfo for sample in _make_samples(2, 2, (30, 30))]
    with torch.no_grad():
        expected = EncoderDecoder.slide_inference(model, x,
                                                  copy.deepcopy(metas))
        got = model.slide_inference(x, metas)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('value', [0, 2.5])
def test_bad_batch_windows_is_refused(value):
    cfg = segmentor_cfg()
    cfg.test_cfg = ConfigDict(mode='slide', crop_size=(24, 24),
                              stride=(16, 16), batch_windows=value)
    with pytest.raises(ValueError, match=r'batch_windows must be an int '
                       rf'>= 1, got {value}'):
        MODELS.build(cfg)


def test_per_level_predictions_are_the_branch_predictions():
    model = MODELS.build(segmentor_cfg()).eval()
    model.per_level = True
    x = torch.randn(2, 3, H, W)
    with torch.no_grad():
        branch = model.decode_head.forward(model.extract_feat(x))
        results = model.predict(x, make_samples())
    for k in (1, 2, 3):
        expected = branch[k - 1].argmax(1)
        for n, sample in enumerate(results):
            assert torch.equal(
                sample.get(f'pred_sem_seg_l{k}').data[0], expected[n])


def test_tta_merges_accurate_predictions():
    model = MODELS.build(segmentor_cfg()).eval()
    tta = MODELS.build(dict(type='SegTTAModel', module=model))
    inputs = [torch.randn(3, H, W), torch.randn(3, H, W)]
    samples = [make_samples(1)[0], make_samples(1)[0]]
    samples[1].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    samples[0].set_metainfo(dict(flip=False))
    for sample in samples:
        sample.set_metainfo(dict(img_path='frame.png'))
    with torch.no_grad():
        merged = tta.test_step(dict(inputs=[inputs], data_samples=[samples]))
    assert merged[0].pred_sem_seg.shape == (H, W)


def test_stock_encoder_decoder_with_auxiliary_head():
    cfg = segmentor_cfg('EncoderDecoder')
    cfg.backbone.return_encoder = True  # X(0,1..3), then X(0,0)..X(3,0)
    cfg.auxiliary_head = ConfigDict(
        type='FCNHead',
        in_channels=16,
        channels=8,
        in_index=5,  # encoder X(2,0)
        num_convs=1,
        num_classes=NUM_CLASSES,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    model = MODELS.build(cfg)
    losses = model.loss(torch.randn(2, 3, H, W), make_samples())
    assert {'decode.l3.loss_ce', 'aux.loss_ce'} <= set(losses)
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), make_samples())
    assert results[0].pred_sem_seg.shape == (H, W)


def test_binary_segmentation_predictions():
    cfg = segmentor_cfg(**BINARY_HEAD)
    model = MODELS.build(cfg, default_args=dict(per_level=True)).eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), make_samples())
    for sample in results:
        assert set(sample.pred_sem_seg.data.unique().tolist()) <= {0, 1}
        assert sample.pred_sem_seg_l1.data.shape == (1, H, W)


def resnet_unetpp_cfg(**head) -> ConfigDict:
    """UNet++ over a small ResNetV1c (strides 4..32, 8/16/32/64 channels)."""
    cfg = segmentor_cfg(in_channels=8, channels=8, **head)
    cfg.backbone = ConfigDict(SMALL_RESNET)
    cfg.neck = ConfigDict(
        type='UNetPlusPlusNeck',
        in_channels=[8, 16, 32, 64],
        channels=[8, 12, 16])
    return cfg


def test_neck_over_resnet_trains_and_predicts_at_the_input_size():
    model = MODELS.build(resnet_unetpp_cfg(),
                         default_args=dict(per_level=True))
    losses = model.loss(torch.randn(2, 3, H, W), make_samples())
    assert {f'decode.l{k}.loss_ce' for k in (1, 2, 3)} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is not None for p in model.neck.parameters())
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), make_samples())
    for sample in results:  # stride-4 features, logits resized to 37x45
        assert sample.seg_logits.data.shape == (NUM_CLASSES, H, W)
        assert sample.pred_sem_seg_l3.shape == (H, W)


def test_fast_mode_prunes_the_neck_over_any_backbone():
    model = MODELS.build(resnet_unetpp_cfg(fast_level=1)).eval()
    ran = []
    for name, node in model.neck.decoder.nodes.items():
        node.register_forward_hook(lambda m, i, o, name=name: ran.append(name))
    x = torch.randn(2, 3, H, W)
    with torch.no_grad():
        fast = model.predict(x, make_samples())
    assert ran == ['x_0_1']
    full = copy.deepcopy(model)
    full.fast_level = None
    with torch.no_grad():
        branch = full.decode_head.forward(full.extract_feat(x))
    expected = full.decode_head.resize_to_input(
        branch[0], [s.metainfo for s in make_samples()]).argmax(1)
    for n, sample in enumerate(fast):
        assert torch.equal(sample.pred_sem_seg.data[0], expected[n])


def test_fast_level_beyond_the_necks_rows_is_refused():
    cfg = resnet_unetpp_cfg(
        in_index=[0, 1, 2, 3], loss_weights=[1.0] * 4, fast_level=4)
    with pytest.raises(ValueError, match=r'level must be in 1\.\.3.*got 4'):
        MODELS.build(cfg)


def test_level_sizes_count_what_fast_mode_keeps():
    def count(module):
        return sum(p.numel() for p in module.parameters())

    paper = MODELS.build(segmentor_cfg())
    branch = count(paper.decode_head.branches[0])
    assert paper.level_sizes == {
        k: paper.backbone.level_sizes[k] + branch
        for k in (1, 2, 3)
    }
    over_resnet = MODELS.build(resnet_unetpp_cfg())
    branch = count(over_resnet.decode_head.branches[0])
    encoder = count(over_resnet.backbone)  # a ResNet runs all its stages
    assert over_resnet.level_sizes == {
        k: encoder + over_resnet.neck.level_sizes[k] + branch
        for k in (1, 2, 3)
    }
    # l3 in fast mode: everything but the other two branches.
    assert over_resnet.level_sizes[3] == count(over_resnet) - 2 * branch


@pytest.mark.parametrize('channels', [1, 2, NUM_CLASSES])
def test_postprocess_result_is_mmsegs(channels):
    """The guard of the fork of MMSeg's
    ``EncoderDecoder.postprocess_result``: the same samples (padding
    removed, flips undone, resized to ``ori_shape`` or not, ties and NaN
    alike, sigmoid for one channel), where ours takes the class by
    ``max``."""
    from mmseg.models.segmentors import EncoderDecoder
    head = BINARY_HEAD if channels == 1 else dict(num_classes=channels)
    model = MODELS.build(segmentor_cfg(**head)).eval()
    logits = torch.randn(4, channels, H + 3, W + 2)
    logits[0, :, 0, 0] = 0.5  # a tie
    logits[1, -1, 1, 1] = float('nan')
    samples = make_samples(4)
    samples[0].set_metainfo(dict(padding_size=[0, 2, 0, 3]))  # same size
    samples[1].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    samples[2].set_metainfo(dict(flip=True, flip_direction='vertical',
                                 img_padding_size=[1, 1, 2, 1]))
    samples[3].set_metainfo(dict(ori_shape=(2 * H, W)))  # resized
    expected = EncoderDecoder.postprocess_result(
        model, logits.clone(), copy.deepcopy(samples))
    got = model.postprocess_result(logits.clone(), samples)
    for ours, mmseg in zip(got, expected):
        assert torch.equal(ours.pred_sem_seg.data, mmseg.pred_sem_seg.data)
        torch.testing.assert_close(ours.seg_logits.data,
                                   mmseg.seg_logits.data, equal_nan=True)
    bare = model.postprocess_result(logits[:, :, :H, :W])
    assert torch.equal(bare[0].pred_sem_seg.data,
                       expected[0].pred_sem_seg.data)


def two_class_model(threshold=None, per_level=False):
    cfg = segmentor_cfg(num_classes=2)
    if threshold is not None:
        cfg.test_cfg.threshold = threshold
    torch.manual_seed(0)
    return randomize(MODELS.build(
        cfg, default_args=dict(per_level=per_level))).eval()


def test_threshold_is_on_class_1_probability_at_every_level():
    """``test_cfg.threshold``: class 1 where its softmax probability is
    above it, for the prediction and each level; none is argmax."""
    inputs = torch.randn(2, 3, H, W)
    samples = make_samples(num_classes=2)
    with torch.no_grad():
        plain = two_class_model(per_level=True).predict(
            inputs, copy.deepcopy(samples))
        model = two_class_model(0.3, per_level=True)
        held = model.predict(inputs, copy.deepcopy(samples))
        probs = model.inference(
            inputs, [s.metainfo for s in samples],
            model.levels_to_predict).split(2, dim=1)
    keys = ['pred_sem_seg'] + [run.key for run in model.levels_to_predict[1:]]
    assert len(keys) > 2
    for key, logits in zip(keys, probs):
        expected = (logits.softmax(dim=1)[:, 1] > 0.3).long()
        for n in range(2):
            assert torch.equal(held[n].get(key).data[0], expected[n])
            assert torch.equal(plain[n].get(key).data[0],
                               logits[n].argmax(dim=0))
    assert any(not torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
               for a, b in zip(held, plain))
    # A threshold of 0.5 is the argmax, but where the two are equal.
    with torch.no_grad():
        half = two_class_model(0.5).predict(inputs, copy.deepcopy(samples))
    for a, b in zip(half, plain):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)


@pytest.mark.parametrize('threshold, num_classes, message', [
    (1.0, 2, 'test_cfg.threshold must be a probability in (0, 1), got 1.0'),
    (True, 2, 'test_cfg.threshold must be a probability in (0, 1), got '
     'True'),
    (0.4, 5, 'test_cfg.threshold is the class-1 probability of two softmax '
     'channels; this model has 5 output channel(s)'),
])
def test_threshold_that_cannot_be_used_is_refused(threshold, num_classes,
                                                  message):
    cfg = segmentor_cfg(num_classes=num_classes)
    cfg.test_cfg.threshold = threshold
    with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(
            ')', r'\)')):
        MODELS.build(cfg)


def tta_views(seed=0):
    torch.manual_seed(seed)
    inputs = [torch.randn(3, H, W), torch.randn(3, H, W)]
    samples = [make_samples(1, num_classes=2, seed=seed)[0] for _ in range(2)]
    samples[0].set_metainfo(dict(flip=False, img_path='frame.png'))
    samples[1].set_metainfo(dict(flip=True, flip_direction='horizontal',
                                 img_path='frame.png'))
    return dict(inputs=[inputs], data_samples=[samples])


def test_threshold_tta_is_mmsegs_without_a_threshold():
    model = two_class_model()
    with torch.no_grad():
        ours = MODELS.build(dict(type='ThresholdSegTTAModel', module=model)
                            ).test_step(tta_views())
        mmsegs = MODELS.build(dict(type='SegTTAModel', module=model)
                              ).test_step(tta_views())
    assert torch.equal(ours[0].pred_sem_seg.data, mmsegs[0].pred_sem_seg.data)


def test_threshold_tta_thresholds_the_mean_probability():
    model = two_class_model(0.3)
    views = tta_views()
    with torch.no_grad():
        merged = MODELS.build(dict(type='ThresholdSegTTAModel', module=model)
                              ).test_step(copy.deepcopy(views))
        probs = sum(
            model.test_step(dict(inputs=[image], data_samples=[sample]))
            [0].seg_logits.data.softmax(dim=0)
            for image, sample in zip(views['inputs'][0],
                                     copy.deepcopy(views['data_samples'][0])))
    expected = (probs[1] / 2 > 0.3).long()
    assert torch.equal(merged[0].pred_sem_seg.data[0], expected)
    assert merged[0].gt_sem_seg.shape == (H, W)


def test_threshold_tta_feeds_the_segmentor_its_own_preprocessor():
    """Built as ``tools/test.py --tta`` builds it from a shipped config:
    MMEngine's runner hands the TTA model the config's top-level
    ``data_preprocessor`` (MMSeg's ImageNet mean and std), and MMEngine's
    ``BaseTTAModel`` would put it in the segmentor, whose own is
    EfficientNet-Lite's. One view through TTA is the test without it."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(
        Path(__file__).parents[3] / 'configs' / 'unetpp' /
        'unetpp_efficientnet-lite0_ds-ce-dice_1xb4-10k_drive-64x64.py'))
    own = cfg.model.data_preprocessor
    assert own.mean != cfg.data_preprocessor.mean  # or this proves nothing
    plain = randomize(MODELS.build(copy.deepcopy(cfg.model))).eval()
    tta_cfg = cfg.tta_model
    tta_cfg.module = copy.deepcopy(cfg.model)
    # MMEngine's Runner.__init__ does this to whichever model it builds.
    tta_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    tta = MODELS.build(tta_cfg).eval()
    tta.module.load_state_dict(plain.state_dict())
    assert tta.module.data_preprocessor.mean.flatten().tolist() == own.mean
    torch.manual_seed(0)
    image = torch.randint(0, 256, (3, 64, 80), dtype=torch.uint8)
    meta = dict(img_shape=(64, 80), ori_shape=(64, 80), pad_shape=(64, 80),
                flip=False, flip_direction=None, img_path='image.png')
    with torch.no_grad():
        alone = plain.test_step(dict(
            inputs=[image.clone()],
            data_samples=[SegDataSample(metainfo=dict(meta))]))
        merged = tta.test_step(dict(
            inputs=[[image.clone()]],
            data_samples=[[SegDataSample(metainfo=dict(meta))]]))
    assert torch.equal(merged[0].pred_sem_seg.data,
                       alone[0].pred_sem_seg.data)


def test_drive_config_tests_the_whole_image_padded_to_the_stride():
    """The shipped DRIVE config runs the whole image in one forward,
    padded to a multiple of 32 and cropped back: a 45x61 image predicts
    what the 64x64 image of it padded with the normalised zero does, and
    not what the unpadded image would (its features misaligned)."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(
        Path(__file__).parents[3] / 'configs' / 'unetpp' /
        'unetpp_efficientnet-lite0_ds-ce-dice_1xb4-10k_drive-64x64.py'))
    assert cfg.model.test_cfg.mode == 'whole'
    model = randomize(MODELS.build(copy.deepcopy(cfg.model))).eval()
    torch.manual_seed(0)
    image = torch.randint(0, 256, (3, 45, 61), dtype=torch.uint8)
    # EfficientNet-Lite's mean is 127: a pixel of 127 normalises to zero,
    # the preprocessor's padding.
    padded = torch.full((3, 64, 64), 127, dtype=torch.uint8)
    padded[:, :45, :61] = image

    def predict(model, image):
        shape = tuple(image.shape[1:])
        meta = dict(img_shape=shape, ori_shape=shape, img_path='image.png')
        with torch.no_grad():
            return model.test_step(dict(
                inputs=[image.clone()],
                data_samples=[SegDataSample(metainfo=meta)]))[0]

    result = predict(model, image)
    assert result.pred_sem_seg.shape == (45, 61)
    expected = predict(model, padded).seg_logits.data[:, :45, :61]
    torch.testing.assert_close(result.seg_logits.data, expected)
    model.data_preprocessor.test_cfg = None  # no padding
    unpadded = predict(model, image).seg_logits.data
    assert not torch.allclose(unpadded, expected, atol=1e-3)
