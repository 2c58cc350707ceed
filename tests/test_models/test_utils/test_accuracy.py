"""pixel_accuracy: MMSeg's accuracy from predicted classes."""
import pytest
import torch
from mmseg.models.losses import accuracy

from mmseg_unetpp.models.utils import pixel_accuracy


@pytest.mark.parametrize('channels_last', [False, True])
def test_equal_to_mmseg_accuracy(channels_last):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 5, 17, 23, generator=g)
    if channels_last:
        logits = logits.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 5, (2, 17, 23), generator=g)
    labels[0, :4] = 255
    ours = pixel_accuracy(logits.argmax(1), labels, ignore_index=255)
    # MMSeg's is a tensor of one element.
    torch.testing.assert_close(
        ours, accuracy(logits, labels, ignore_index=255).squeeze(0))
    torch.testing.assert_close(pixel_accuracy(logits.argmax(1), labels),
                               accuracy(logits, labels).squeeze(0))


def test_counts_only_labelled_pixels():
    labels = torch.tensor([[[0, 1, 255, 255]]])
    pred = torch.tensor([[[0, 0, 1, 1]]])
    assert pixel_accuracy(pred, labels, ignore_index=255).item() == 50.0
    assert pixel_accuracy(pred, labels).item() == 25.0
    everything_ignored = torch.full_like(labels, 255)
    assert pixel_accuracy(pred, everything_ignored, 255).item() == 0.0
