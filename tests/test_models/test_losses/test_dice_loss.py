"""SoftDiceLoss against values computed by hand, and against MMSeg's
DiceLoss on the case that breaks it."""
import pytest
import torch
from helpers import one_thread
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.losses import SoftDiceLoss

BIG = 100.0  # a logit whose sigmoid / softmax is 0 or 1 in float32
LABEL = torch.tensor([[[1, 1], [0, 0]]])  # (N, H, W): the top row


def binary(*values) -> torch.Tensor:
    """(1, 1, 2, 2) logits of a one-channel head, row by row."""
    return torch.tensor(values).view(1, 1, 2, 2)


def several(*classes) -> torch.Tensor:
    """(1, 3, 2, 2) logits that predict ``classes`` pixel by pixel."""
    logits = torch.zeros(1, 3, 4)
    for pixel, c in enumerate(classes):
        logits[0, c, pixel] = BIG
    return logits.view(1, 3, 2, 2)


@pytest.mark.parametrize('logits, expected', [
    # Dice = (2 * |P & G| + 1) / (|P| + |G| + 1), smooth 1, G = 2 pixels
    ((BIG, BIG, -BIG, -BIG), 0.0),  # perfect: (4 + 1) / (4 + 1)
    ((-BIG, -BIG, BIG, BIG), 0.8),  # inverted: 1 - 1 / 5
    ((BIG, -BIG, BIG, -BIG), 0.4),  # half right: 1 - 3 / 5
    ((0.0, 0.0, 0.0, 0.0), 0.4),  # p = 1/2 everywhere: 1 - (2 + 1) / 5
])
def test_one_channel_is_the_foregrounds_dice(logits, expected):
    loss = SoftDiceLoss()(binary(*logits), LABEL)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_dice_and_bce_agree_where_mmsegs_dice_does_not():
    """The paper's loss: both terms fall towards the right answer. MMSeg's
    DiceLoss (1.2) rewards the inverted mask on one channel."""
    perfect, inverted = binary(BIG, BIG, -BIG, -BIG), binary(-BIG, -BIG, BIG,
                                                             BIG)
    bce = CrossEntropyLoss(use_sigmoid=True)
    ours = SoftDiceLoss()
    assert bce(perfect, LABEL) < bce(inverted, LABEL)
    assert ours(perfect, LABEL) < ours(inverted, LABEL)
    theirs = MODELS.build(dict(type='DiceLoss'))
    assert theirs(perfect, LABEL) > theirs(inverted, LABEL)


def test_ignored_pixels_count_nowhere():
    label = torch.tensor([[[1, 255], [0, 0]]])
    # The ignored pixel is predicted foreground: it is no false positive.
    assert SoftDiceLoss()(binary(BIG, BIG, -BIG, -BIG), label).item() == \
        pytest.approx(0.0, abs=1e-6)
    # ... nor a miss when predicted background: P 1, G 1, P & G 1.
    assert SoftDiceLoss()(binary(BIG, -BIG, -BIG, -BIG), label).item() == \
        pytest.approx(0.0, abs=1e-6)
    # The head's ignore_index is used.
    assert SoftDiceLoss()(binary(BIG, BIG, -BIG, -BIG),
                          torch.tensor([[[1, 7], [0, 0]]]),
                          ignore_index=7).item() == pytest.approx(0.0,
                                                                  abs=1e-6)


def test_all_ignored_is_zero_with_a_gradient_path():
    logits = binary(1.0, 2.0, 3.0, 4.0).requires_grad_()
    loss = SoftDiceLoss()(logits, torch.full((1, 2, 2), 255))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))


def test_several_channels_mean_over_the_classes_present():
    label = torch.tensor([[[0, 1], [2, 2]]])
    assert SoftDiceLoss()(several(0, 1, 2, 2), label).item() == \
        pytest.approx(0.0, abs=1e-6)
    # Class 0 predicted on class 1's pixel: class 0 (2 * 1 + 1) / (2 + 1 + 1),
    # class 1 (0 + 1) / (0 + 1 + 1), class 2 perfect.
    expected = 1 - (3 / 4 + 1 / 2 + 1) / 3
    assert SoftDiceLoss()(several(0, 0, 2, 2), label).item() == \
        pytest.approx(expected, abs=1e-6)


def test_a_class_absent_from_the_batch_is_left_out():
    label = torch.tensor([[[0, 0], [1, 1]]])  # class 2 absent
    assert SoftDiceLoss()(several(0, 0, 1, 1), label).item() == \
        pytest.approx(0.0, abs=1e-6)
    # Class 2 predicted on a class-0 pixel costs through class 0 only:
    # class 0 (2 * 1 + 1) / (1 + 2 + 1), class 1 perfect.
    expected = 1 - (3 / 4 + 1) / 2
    assert SoftDiceLoss()(several(0, 2, 1, 1), label).item() == \
        pytest.approx(expected, abs=1e-6)


def test_loss_weight_and_bad_arguments():
    assert SoftDiceLoss(loss_weight=2.0)(binary(-BIG, -BIG, BIG, BIG),
                                         LABEL).item() == pytest.approx(1.6)
    with pytest.raises(ValueError, match='smooth must be > 0, got 0'):
        SoftDiceLoss(smooth=0)
    with pytest.raises(ValueError, match='no per-pixel weight'):
        SoftDiceLoss()(binary(0., 0., 0., 0.), LABEL,
                       weight=torch.ones(1, 2, 2))


def test_the_binary_recipe_trains_and_its_dice_term_falls(tmp_path):
    """The README's binary recipe as shipped: a one-channel UNet++ with the
    paper's 0.5 x BCE + 1.0 x Dice, trained a few iterations on generated
    data with a binary task (Car against the rest)."""
    from pathlib import Path

    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmseg_unetpp.datasets import make_camvid_demo
    config = (Path(__file__).resolve().parents[3] / 'configs' / 'unetpp' /
              'unetpp-l4-w16_ds-bce-dice_1xb4-650_camvid-car-180x240.py')
    cfg = Config.fromfile(str(config))
    data = make_camvid_demo(str(tmp_path / 'data'), num_train=2, num_val=1,
                            size=(48, 64))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.update(data_root=data)
    pipeline = cfg.train_dataloader.dataset.pipeline
    cfg.train_dataloader.dataset.pipeline = [
        t for t in pipeline if t.type not in ('RandomResize', 'RandomCrop',
                                              'PhotoMetricDistortion')]
    cfg.train_dataloader.batch_size = 2
    cfg.model.data_preprocessor.size = (48, 64)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=12,
                         val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = []
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    head = runner.model.decode_head
    assert head.out_channels == 1 and head.num_classes == 2
    with one_thread():  # a small model: threads would only compete
        runner.train()
    history = runner.message_hub.get_scalar('train/decode.l4.loss_dice')
    dice = history.data[0].tolist()
    assert len(dice) == 12
    assert sum(dice[-3:]) / 3 < sum(dice[:3]) / 3 - 0.05
