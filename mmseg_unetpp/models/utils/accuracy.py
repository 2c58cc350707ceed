"""Pixel accuracy of a predicted class map."""
from typing import Optional

import torch
from torch import Tensor


@torch.no_grad()
def pixel_accuracy(pred: Tensor,
                   target: Tensor,
                   ignore_index: Optional[int] = None) -> Tensor:
    """The share (%) of pixels whose predicted class is their label, pixels
    labelled ``ignore_index`` left out (0 when none is left).

    MMSeg's ``accuracy`` gives the same figure from the logits, but through
    ``topk`` over the class dimension, which on a CPU takes several times
    as long as the ``argmax`` that gives ``pred`` here on channels_last
    logits; deep supervision pays it once per branch at every training
    step.

    Args:
        pred (Tensor): (N, H, W) predicted classes.
        target (Tensor): (N, H, W) labels.
        ignore_index (int, optional): The label of pixels to leave out.

    Returns:
        Tensor: A scalar, in percent.
    """
    correct = pred == target
    if ignore_index is not None:
        valid = target != ignore_index
        correct &= valid
        total = valid.sum()
    else:
        total = target.numel()
    return correct.sum() * 100.0 / max(int(total), 1)
