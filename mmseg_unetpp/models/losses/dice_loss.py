"""The Dice loss of the UNet++ paper, for one channel and for several."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SoftDiceLoss(nn.Module):
    """``1 - Dice`` of the predicted probabilities against the labels.

    MMSeg 1.2's ``DiceLoss`` compares a one-channel prediction with
    ``label == 0`` (its one-hot expansion keeps channel 0), applies no
    sigmoid to it, and its ``ignore_index`` drops a class channel rather
    than the ignored pixels: with the paper's BCE + Dice, the Dice term then
    rewards the inverted mask, and on CamVid every void pixel counts as "no
    class". This loss is registered under its own name, so MMSeg's keeps
    its behaviour:

    - one channel (binary head, ``out_channels=1``): ``p = sigmoid(logit)``
      against the foreground, ``label == 1``; the Dice of the foreground;
    - several channels: ``p = softmax(logits)`` against the one-hot labels;
      the mean of the classes' Dice;
    - pixels labelled ``ignore_index`` count in neither the numerator nor
      the denominator;
    - the Dice of a class is over the whole batch (sums over every image
      and pixel), ``(2 * sum(p * t) + smooth) / (sum(p) + sum(t) + smooth)``;
    - several channels: a class without a labelled pixel in the batch is
      left out of the mean (its Dice would only measure the smoothing);
      its false positives still cost through the classes present, whose
      probabilities they take. One channel: the foreground always counts,
      so a batch without foreground pushes the prediction to none.
      A batch with every pixel ignored gives 0.

    Args:
        smooth (float): Added to numerator and denominator, > 0: keeps the
            ratio defined for an empty class and slightly softens it.
            Default: 1.0.
        loss_weight (float): Weight of the loss. Default: 1.0.
        ignore_index (int): Label of the pixels to leave out; the head's
            ``ignore_index``, when it passes one, takes precedence.
            Default: 255.
        loss_name (str): Name of the loss in the log. Default:
            ``'loss_dice'``.
    """

    def __init__(self,
                 smooth: float = 1.0,
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 loss_name: str = 'loss_dice'):
        super().__init__()
        if smooth <= 0:
            raise ValueError(f'smooth must be > 0, got {smooth}')
        self.smooth = smooth
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """The loss of (N, C, H, W) logits against (N, H, W) labels.

        ``weight`` (MMSeg's per-pixel sampler weight) is not supported:
        a weighted Dice is another loss.
        """
        if weight is not None:
            raise ValueError('SoftDiceLoss takes no per-pixel weight (a '
                             'sampler); remove the head\'s sampler')
        ignore = self.ignore_index if ignore_index is None else ignore_index
        valid = target != ignore
        if not valid.any():
            return pred.sum() * 0  # every pixel ignored
        labels = torch.where(valid, target, torch.zeros_like(target)).long()
        if pred.shape[1] == 1:
            prob = pred.float().sigmoid()
            onehot = (labels == 1).unsqueeze(1).float()
        else:
            prob = pred.float().softmax(dim=1)
            onehot = F.one_hot(labels, pred.shape[1]).permute(0, 3, 1,
                                                              2).float()
        mask = valid.unsqueeze(1).float()
        prob, onehot = prob * mask, onehot * mask
        dims = (0, 2, 3)
        intersection = (prob * onehot).sum(dims)
        total = prob.sum(dims) + onehot.sum(dims)
        dice = (2 * intersection + self.smooth) / (total + self.smooth)
        if pred.shape[1] > 1:
            dice = dice[onehot.sum(dims) > 0]
        return self.loss_weight * (1 - dice.mean())

    @property
    def loss_name(self) -> str:
        """The name under which the loss is logged."""
        return self._loss_name
