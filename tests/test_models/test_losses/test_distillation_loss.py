"""DistillationLoss against values computed by hand."""
import math

import pytest
import torch

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.models.losses import DistillationLoss


def logits(*values) -> torch.Tensor:
    """(1, C, 1, 1) logits of one pixel."""
    return torch.tensor(values, dtype=torch.float32).view(1, -1, 1, 1)


@pytest.mark.parametrize('channels', [1, 3])
def test_zero_when_the_student_is_the_teacher(channels):
    x = torch.randn(2, channels, 5, 7)
    assert DistillationLoss()(x, x.clone()).item() == pytest.approx(0,
                                                                     abs=1e-7)


def test_kl_divergence_by_hand():
    # teacher p = (3/4, 1/4), student q = (1/2, 1/2):
    # KL(p || q) = 3/4 ln(3/2) + 1/4 ln(1/2)
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    loss = DistillationLoss()(logits(0.0, 0.0), logits(math.log(3), 0.0))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # One channel: the sigmoid's (p, 1 - p), the same two distributions.
    loss = DistillationLoss()(logits(0.0), logits(math.log(3)))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # Mean over pixels, times loss_weight.
    two = DistillationLoss(loss_weight=0.5)(
        torch.cat([logits(0.0, 0.0), logits(1.0, 1.0)], dim=3),
        torch.cat([logits(math.log(3), 0.0), logits(1.0, 1.0)], dim=3))
    assert two.item() == pytest.approx(0.5 * expected / 2, rel=1e-6)


def test_temperature_softens_both_and_scales_by_its_square():
    student, teacher = logits(0.0, 0.0), logits(2 * math.log(3), 0.0)
    # At T = 2 the teacher is (3/4, 1/4) again; the loss is T**2 KL.
    expected = 4 * (0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    loss = DistillationLoss(temperature=2.0)(student, teacher)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_gradient_pulls_the_student_towards_the_teacher():
    student = logits(0.0, 0.0).requires_grad_()
    DistillationLoss()(student, logits(math.log(3), 0.0)).backward()
    assert student.grad[0, 0] < 0 < student.grad[0, 1]


def test_bad_input():
    with pytest.raises(ValueError, match='temperature must be > 0, got 0'):
        DistillationLoss(temperature=0)
    with pytest.raises(ValueError, match=r'student logits \(1, 2, 1, 1\)'):
        DistillationLoss()(logits(0.0, 0.0), logits(0.0, 0.0, 0.0))
