import copy

import pytest
import torch
from helpers import BINARY_HEAD
from helpers import make_samples as _make_samples
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.decode_heads import DeepSupervisionHead
from mmseg_unetpp.structures import Levels

NUM_CLASSES = 5
H, W = 37, 45


def make_samples(n: int = 2, num_classes: int = NUM_CLASSES, seed: int = 0):
    return _make_samples(n, num_classes, (H, W), seed)


def make_head(**kwargs) -> DeepSupervisionHead:
    cfg = dict(
        type='DeepSupervisionHead',
        in_channels=4,
        channels=4,
        in_index=[0, 1, 2],
        num_classes=NUM_CLASSES)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def features(n: int = 2, levels: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(n, 4, H, W, generator=g) for _ in range(levels))


def test_loss_keys_and_weights():
    weights = [0.5, 1.0, 2.0]
    head = make_head(loss_weights=weights)
    unweighted = copy.deepcopy(head)
    unweighted.loss_weights = [1.0, 1.0, 1.0]
    feats, samples = features(), make_samples()
    losses = head.loss(feats, samples, dict())
    plain = unweighted.loss(feats, samples, dict())
    assert set(losses) == {
        f'l{k}.{name}'
        for k in (1, 2, 3) for name in ('loss_ce', 'acc_seg')
    }
    for k, w in zip((1, 2, 3), weights):
        torch.testing.assert_close(losses[f'l{k}.loss_ce'],
                                   w * plain[f'l{k}.loss_ce'])
        torch.testing.assert_close(losses[f'l{k}.acc_seg'],
                                   plain[f'l{k}.acc_seg'])


def test_multiple_losses_per_branch():
    head = make_head(loss_decode=[
        dict(type='CrossEntropyLoss', loss_weight=0.5),
        dict(type='DiceLoss', loss_weight=1.0)
    ])
    losses = head.loss(features(), make_samples(), dict())
    assert {'l1.loss_ce', 'l1.loss_dice', 'l3.loss_dice'} <= set(losses)


def test_accurate_is_mean_of_branch_probabilities():
    head = make_head().eval()
    feats = features()
    with torch.no_grad():
        branch = head.forward(feats)
        fused = head.predict(feats, make_samples()[0].metainfo and
                             [s.metainfo for s in make_samples()], dict())
    mean_prob = torch.stack([b.softmax(1) for b in branch]).mean(0)
    torch.testing.assert_close(fused.softmax(1), mean_prob)
    assert torch.equal(fused.argmax(1), mean_prob.argmax(1))


def test_fast_mode_is_the_level_branch():
    head = make_head().eval()
    feats = features()
    with torch.no_grad():
        branch = head.forward(feats)
        head.fast_level = 2
        assert head.prediction == Levels(2)
        fast = head.predict(feats[:2], [s.metainfo for s in make_samples()],
                            dict())
    torch.testing.assert_close(fast, branch[1])


def test_every_branch_gets_a_gradient():
    head = make_head(num_convs=1, channels=6)
    losses = head.loss(features(), make_samples(), dict())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for b, branch in enumerate(head.branches):
        grads = [p.grad for p in branch.parameters()]
        assert grads and all(g is not None and g.abs().sum() > 0
                             for g in grads), b


def test_zero_convs_is_the_papers_1x1_classifier():
    head = make_head(num_convs=0)
    for branch in head.branches:
        params = sum(p.numel() for p in branch.parameters())
        assert params == 4 * NUM_CLASSES + NUM_CLASSES
        assert branch.conv_seg.kernel_size == (1, 1)


def test_share_branch_uses_one_set_of_weights():
    shared = make_head(share_branch=True)
    separate = make_head()
    assert shared.branches[0] is shared.branches[2]
    count = sum(p.numel() for p in shared.parameters())
    assert count * 3 == sum(p.numel() for p in separate.parameters())


def test_binary_segmentation():
    head = make_head(**BINARY_HEAD)
    samples = make_samples(num_classes=2)
    losses = head.loss(features(), samples, dict())
    assert losses['l1.loss_ce'] > 0
    head.eval()
    with torch.no_grad():
        branch = head.forward(features())
        fused = head.predict(features(), [s.metainfo for s in samples],
                             dict())
    assert fused.shape == (2, 1, H, W)
    mean_prob = torch.stack([b.sigmoid() for b in branch]).mean(0)
    torch.testing.assert_close(fused.sigmoid(), mean_prob, atol=1e-5,
                               rtol=1e-4)


def test_binary_accuracy_counts_the_pixels_above_the_threshold():
    """MMSeg's accuracy takes the top channel: always class 0 for one
    channel, the same figure for every branch."""
    head = make_head(**BINARY_HEAD)
    samples = make_samples(num_classes=2)
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    labels[0, :3] = 255  # ignored
    for sample, label in zip(samples, labels):
        sample.gt_sem_seg.data = label[None]
    right = torch.where(labels == 1, 9.0, -9.0)[:, None]
    inverted = -right
    valid = labels != 255
    with torch.no_grad():
        for branch in head.branches:  # each branch passes its input on
            branch.forward = lambda inputs: inputs[0]
        everywhere = torch.full_like(right, 9.0)
        losses = head.loss((right, inverted, everywhere), samples, dict())
    assert losses['l1.acc_seg'].item() == pytest.approx(100.0, abs=1e-4)
    assert losses['l2.acc_seg'].item() == pytest.approx(0.0, abs=1e-4)
    foreground = (labels[valid] == 1).float().mean().item() * 100
    assert losses['l3.acc_seg'].item() == pytest.approx(foreground, abs=1e-4)


@pytest.mark.parametrize('kwargs, pattern', [
    (dict(loss_weights=[1.0, 1.0]), r'loss_weights has 2 .* 3 branches'),
    (dict(fast_level=4), r'fast_level must be None \(accurate mode\) or '
     r'one of the branch levels \[1, 2, 3\], got 4'),
    (dict(fast_level=0), r'got 0'),
    (dict(mode='fast'), r'takes no mode: the prediction is set by '
     r'fast_level alone'),
    (dict(mode='fast', level=2), r'takes no mode or level: .* fast_level'),
    (dict(level=2), r'takes no level: .* fast_level'),
    (dict(in_index=[0, 2], loss_weights=[1, 1]),
     r'in_index must select consecutive outputs .* got \[0, 2\]'),
    (dict(fuse_levels=[1, 3]), r'fuse_levels: .*consecutive.*got \[1, 3\]'),
    (dict(num_convs=0, channels=8), r'channels \(8\) must equal'),
])
def test_bad_config_raises_value_error(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_head(**kwargs)


def test_in_index_mismatch_raises_at_first_forward():
    head = make_head(in_index=[0, 1, 2, 3], loss_weights=[1, 1, 1, 1])
    with pytest.raises(ValueError, match=r'in_index=\[0, 1, 2, 3\] needs 4 '
                       r'backbone \(or neck\) outputs, but there are 3'):
        head.loss(features(levels=3), make_samples(), dict())


def metas(n: int = 2) -> list:
    return [dict(img_shape=(H, W), ori_shape=(H, W), pad_shape=(H, W))] * n


def test_accurate_mode_averages_the_fused_levels_only():
    torch.manual_seed(0)
    head = make_head().eval()
    feats = features()
    with torch.no_grad():
        branch = head.forward(feats)
        assert len(branch) == 3  # every level by default
        head.fusion = Levels(2, 3)
        assert head.fusion == head.prediction == Levels(2, 3)
        assert torch.equal(head.fusion_weights, torch.tensor([0., 1., 1.]))
        assert len(head.forward(feats)) == 2  # level 1 is not computed
        fused = head.predict(feats, metas(), {})
    expected = (branch[1].softmax(1) + branch[2].softmax(1)) / 2
    torch.testing.assert_close(fused.softmax(1), expected)
    with pytest.raises(ValueError, match=r'among the branch levels .* l4'):
        head.fusion = Levels(4)


def test_fast_level_is_the_one_setting_of_the_prediction():
    head = make_head(fast_level=2, fuse_levels=[1, 2])
    assert head.fast_level == 2 and head.prediction == Levels(2)
    head.fast_level = None  # accurate mode: the fusion, no level left over
    assert head.prediction == Levels(1, 2)
    assert make_head().fast_level is None  # accurate mode by default


def test_level_runs_and_their_logits_in_one_pass():
    torch.manual_seed(0)
    head = make_head(fuse_levels=[3]).eval()
    assert [levels.name for levels in head.level_runs] == [
        'l1', 'l2', 'l3', 'l1-l2', 'l2-l3', 'l1-l3']
    feats = features()
    with torch.no_grad():
        logits = head.predict_levels(feats, metas(),
                                     [head.prediction] + head.level_runs)
        branch = head.forward(feats, levels=[1, 2, 3])
    assert logits.shape == (2, 7 * NUM_CLASSES, H, W)
    parts = logits.split(NUM_CLASSES, dim=1)
    torch.testing.assert_close(parts[0], branch[2])  # accurate: l3 alone
    torch.testing.assert_close(parts[2], branch[1])  # l2
    torch.testing.assert_close(  # l1-l2
        parts[4].softmax(1), (branch[0].softmax(1) + branch[1].softmax(1)) / 2)


def test_fusion_weights_travel_with_the_state_dict():
    head = make_head(fuse_levels=[1, 2])
    other = make_head()
    other.load_state_dict(head.state_dict())
    assert other.fusion == Levels(1, 2)
    other.fusion_weights.copy_(torch.tensor([1., 0., 1.]))
    with pytest.raises(ValueError, match=r'select the levels \[1, 3\]; '
                       'accurate mode averages consecutive levels'):
        other.prediction


@pytest.mark.parametrize('teacher, students', [('deepest', [1, 2]),
                                               ('mean', [1, 2, 3])])
def test_self_distillation_adds_a_loss_per_student(teacher, students):
    torch.manual_seed(0)
    head = make_head(distill_loss=dict(type='DistillationLoss'),
                     distill_teacher=teacher)
    feats = [f.requires_grad_() for f in features()]
    losses = head.loss(feats, make_samples(), dict())
    assert [k for k in losses if 'distill' in k] == [
        f'l{k}.loss_distill' for k in students]
    # The teacher is not pulled towards its students.
    sum(v for k, v in losses.items() if 'distill' in k).backward()
    if teacher == 'deepest':
        assert feats[2].grad is None or not feats[2].grad.any()
    assert feats[0].grad.abs().sum() > 0


def test_bad_distillation_teacher():
    with pytest.raises(ValueError, match="distill_teacher must be one of"):
        make_head(distill_loss=dict(type='DistillationLoss'),
                  distill_teacher='oracle')


@pytest.mark.parametrize('kwargs, words', [
    (dict(num_classes=5, out_channels=1),
     ['decode_head.out_channels=1', 'num_classes=2', 'num_classes=5']),
    (dict(num_classes=2,
          loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)),
     ['use_sigmoid=True', 'out_channels=1', 'use_sigmoid=False',
      '2 softmax channels']),
])
def test_binary_settings_that_would_train_wrongly_are_refused(kwargs, words):
    with pytest.raises(ValueError) as error:
        make_head(**kwargs)
    for word in words:
        assert word in str(error.value)


CE = dict(type='CrossEntropyLoss')


@pytest.mark.parametrize('head_cfg', [
    dict(loss_decode=CE),
    dict(loss_decode=[dict(CE, loss_weight=0.5), dict(type='SoftDiceLoss')]),
    dict(loss_decode=[dict(CE, loss_weight=0.5), CE],
         sampler=dict(type='OHEMPixelSampler', thresh=0.7, min_kept=50)),
    BINARY_HEAD,
])
def test_branch_losses_are_mmsegs(head_cfg):
    """The guard of the fork of MMSeg's ``BaseDecodeHead.loss_by_feat``:
    each branch's losses equal that branch's own ``loss_by_feat`` (one loss
    or a list, its sampler, pixels of ``ignore_index``), and so does the
    accuracy of more than one channel."""
    head = make_head(**head_cfg)
    samples = make_samples(num_classes=head.num_classes)
    for sample in samples:
        sample.gt_sem_seg.data[:, :4] = 255  # ignore_index
    logits = head.forward(features())
    for branch, branch_logits in zip(head.branches, logits):
        ours = head.branch_loss(branch, branch_logits, samples)
        theirs = branch.loss_by_feat(branch_logits, samples)
        assert set(ours) == set(theirs)
        if head.out_channels == 1:  # MMSeg's is the share of class 0
            del theirs['acc_seg']
        for name, value in theirs.items():
            # MMSeg's accuracy is a tensor of one element.
            torch.testing.assert_close(ours[name], value.reshape(()))


def test_branch_convs_fold_bn_in_eval_to_the_same_logits():
    """In eval mode every branch conv runs with its BN folded in (MMCV's
    efficient_conv_bn_eval), giving the logits of conv then BN."""
    torch.manual_seed(0)
    head = make_head(num_convs=1, channels=6, norm_cfg=dict(type='BN'))
    for module in head.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    head.eval()
    convs = [m for m in head.modules()
             if hasattr(m, 'efficient_conv_bn_eval_forward')]
    assert convs and all(m.efficient_conv_bn_eval_forward is not None
                         for m in convs)
    x = features()
    with torch.no_grad():
        folded = head(x)
        for module in convs:
            module.turn_on_efficient_conv_bn_eval(False)
        plain = head(x)
    for a, b in zip(folded, plain):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
