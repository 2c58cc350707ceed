"""Deep supervision for UNet++: one classifier branch per nested output."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

MODES = ('accurate', 'fast')


@MODELS.register_module()
class DeepSupervisionHead(BaseModule):
    """A classifier branch on each of X(0, 1) .. X(0, L) with weighted losses.

    Each branch is a complete MMSeg decode head (``FCNHead``): ``num_convs``
    conv-norm-act layers then a 1x1 ``conv_seg``; with ``num_convs=0`` it is
    exactly the paper's 1x1 classifier. This head holds the branches and
    combines them; each branch computes its own loss, accuracy and resizing
    (``BaseDecodeHead.loss_by_feat``/``predict_by_feat``). Branch b reads
    the backbone (or neck) output ``in_index[b]``; ``UNetPlusPlus`` and
    ``UNetPlusPlusNeck`` return X(0, t+1) at index t, so the branch on index
    t is called level ``t + 1`` (``l1``, ``l2``...).

    Training: every branch gets the full ``loss_decode`` (one loss or a
    list), scaled by its entry of ``loss_weights``; the losses and the
    accuracy are logged per branch (``decode.l2.loss_ce``,
    ``decode.l2.acc_seg``) and the total loss is their weighted sum.

    Inference:

    - ``mode='accurate'``: the mean of the branches' probabilities (softmax,
      or sigmoid when ``out_channels == 1``). ``predict`` returns logits
      whose softmax/sigmoid is that mean (log-mean-probabilities), so
      MMSeg's post-processing, slide inference and TTA apply unchanged.
    - ``mode='fast'``: the branch of ``level`` alone.
      ``DeepSupervisionEncoderDecoder`` then computes only sub-network
      ``level`` of the grid (pruning); under another segmentor the whole
      grid is computed and this branch is used.

    ``mode`` and ``level`` are the one setting of the prediction, for the
    whole model (:meth:`set_level` sets both).

    Args:
        in_channels (int | Sequence[int]): Channels of each selected output
            (an int is used for all of them).
        channels (int): Channels of the branches' conv layers. Must equal
            the input channels when ``num_convs=0``.
        in_index (Sequence[int]): Backbone outputs to supervise.
            Default: ``(0, 1, 2, 3)`` (X(0, 1) .. X(0, 4)).
        num_convs (int): Conv layers per branch before ``conv_seg``.
            Default: 0.
        kernel_size (int): Kernel of the branch convs. Default: 3.
        concat_input (bool): Concatenate the input and the branch convs'
            output before ``conv_seg`` (as ``FCNHead``). Default: False.
        dilation (int): Dilation of the branch convs. Default: 1.
        share_branch (bool): One set of branch weights for every output.
            Default: False.
        loss_weights (Sequence[float], optional): Weight of each branch's
            loss. Default: 1.0 for every branch.
        mode (str): ``'accurate'`` or ``'fast'``. Default: ``'accurate'``.
        level (int, optional): The branch used by ``mode='fast'``; one of
            the branch levels. Default: the deepest branch.
        init_cfg (dict, optional): Initialization config of this head; each
            branch keeps ``BaseDecodeHead``'s (``conv_seg`` ~ N(0, 0.01)).
        **kwargs: ``BaseDecodeHead`` arguments, given to every branch
            (``num_classes``, ``out_channels``, ``threshold``,
            ``dropout_ratio`` (default 0 here, as in the paper),
            ``loss_decode``, ``ignore_index``, ``sampler``,
            ``align_corners``, ``conv_cfg``, ``norm_cfg``, ``act_cfg``).
    """

    def __init__(self,
                 in_channels,
                 channels: int,
                 in_index: Sequence[int] = (0, 1, 2, 3),
                 num_convs: int = 0,
                 kernel_size: int = 3,
                 concat_input: bool = False,
                 dilation: int = 1,
                 share_branch: bool = False,
                 loss_weights: Optional[Sequence[float]] = None,
                 mode: str = 'accurate',
                 level: Optional[int] = None,
                 init_cfg: Optional[ConfigType] = None,
                 **kwargs):
        in_index = list(in_index)
        if isinstance(in_channels, int):
            in_channels = [in_channels] * len(in_index)
        if len(in_channels) != len(in_index):
            raise ValueError(
                f'in_channels has {len(in_channels)} entries but in_index '
                f'selects {len(in_index)} outputs')
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        if num_convs == 0 and any(c != channels for c in in_channels):
            raise ValueError(
                f'with num_convs=0 a branch is a 1x1 classifier on its input, '
                f'so channels ({channels}) must equal in_channels '
                f'({list(in_channels)})')
        if share_branch and len(set(in_channels)) > 1:
            raise ValueError('share_branch needs equal in_channels, got '
                             f'{list(in_channels)}')
        num_branches = len(in_index)
        if loss_weights is None:
            loss_weights = [1.0] * num_branches
        if len(loss_weights) != num_branches:
            raise ValueError(
                f'loss_weights has {len(loss_weights)} entries but there are '
                f'{num_branches} branches (in_index={in_index})')
        super().__init__(init_cfg=init_cfg)
        kwargs.setdefault('dropout_ratio', 0.0)  # the paper has none

        def branch(channels_in: int) -> FCNHead:
            return FCNHead(
                in_channels=channels_in,
                channels=channels,
                num_convs=num_convs,
                kernel_size=kernel_size,
                concat_input=concat_input,
                dilation=dilation,
                in_index=0,
                **kwargs)

        if share_branch:
            shared = branch(in_channels[0])
            self.branches = nn.ModuleList([shared] * num_branches)
        else:
            self.branches = nn.ModuleList(branch(c) for c in in_channels)
        self.in_index = in_index
        self.levels = [index + 1 for index in in_index]
        self.loss_weights = [float(w) for w in loss_weights]
        # What a segmentor reads from its decode head.
        first = self.branches[0]
        self.num_classes = first.num_classes
        self.out_channels = first.out_channels
        self.threshold = first.threshold
        self.align_corners = first.align_corners
        self.mode = mode
        self.level = level if level is not None else self.levels[-1]

    @property
    def mode(self) -> str:
        """``'accurate'`` (mean of all branches) or ``'fast'`` (one)."""
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self._mode = mode

    @property
    def level(self) -> int:
        """The level whose branch ``mode='fast'`` uses."""
        return self._level

    @level.setter
    def level(self, level: int) -> None:
        if level not in self.levels:
            raise ValueError(f'level must be one of the branch levels '
                             f'{self.levels}, got {level}')
        self._level = level

    def set_level(self, level: Optional[int]) -> None:
        """Predict with the mean of all branches (``None``, accurate mode)
        or with the branch of ``level`` alone (fast mode)."""
        if level is None:
            self.mode = 'accurate'
        else:
            self.level = level
            self.mode = 'fast'

    def _active_branches(self) -> List[int]:
        """Indices of the branches this forward computes."""
        if self.training or self.mode == 'accurate':
            return list(range(len(self.branches)))
        return [self.levels.index(self.level)]

    def forward(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        """Branch logits.

        Args:
            inputs (Sequence[Tensor]): Backbone (or neck) outputs;
                ``inputs[t]`` is X(0, t+1), shape (N, C, H, W). Pruned to
                level k they are X(0, 1) .. X(0, k).

        Returns:
            list[Tensor]: (N, out_channels, H, W) logits of every branch in
            training and in accurate mode; of the ``level`` branch alone in
            fast-mode inference.
        """
        branches = self._active_branches()
        needed = max(self.in_index[b] for b in branches) + 1
        if len(inputs) < needed:
            raise ValueError(
                f'in_index={self.in_index} needs {needed} backbone (or '
                f'neck) outputs, but there are {len(inputs)}')
        return [
            self.branches[b]([inputs[self.in_index[b]]]) for b in branches
        ]

    def fuse(self, branch_logits: Sequence[Tensor]) -> Tensor:
        """Logits whose softmax (sigmoid for one channel) is the mean of the
        branches' probabilities."""
        if len(branch_logits) == 1:
            return branch_logits[0]
        if self.out_channels == 1:
            prob = torch.stack([x.sigmoid() for x in branch_logits]).mean(0)
            return torch.logit(prob, eps=1e-6)
        prob = torch.stack([x.softmax(dim=1) for x in branch_logits]).mean(0)
        return prob.clamp_min(1e-12).log()

    def resize_to_input(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Logits resized to the input as MMSeg's heads do (every branch's
        ``predict_by_feat`` resizes alike)."""
        return self.branches[0].predict_by_feat(seg_logits, batch_img_metas)

    def predict(self, inputs: Tuple[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """Accurate (fused) or fast (one branch) logits at the input size."""
        return self.resize_to_input(
            self.fuse(self.forward(inputs)), batch_img_metas)

    def predict_levels(self, inputs: Tuple[Tensor],
                       batch_img_metas: List[dict]) -> Tensor:
        """Fused logits followed by every branch's logits in one tensor.

        Returns:
            Tensor: (N, (1 + num_branches) * out_channels, H, W): the
            accurate-mode logits, then those of ``l{levels[0]}``, ...
        """
        branch_logits = self.forward(inputs)
        return self.resize_to_input(
            torch.cat([self.fuse(branch_logits)] + branch_logits, dim=1),
            batch_img_metas)

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Forward every branch and return their losses (see
        ``loss_by_feat``)."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Sequence[Tensor],
                     batch_data_samples: SampleList) -> dict:
        """Per-branch losses (weighted) and accuracies, keyed ``l{k}.*``."""
        losses = dict()
        for level, weight, branch, logits in zip(self.levels,
                                                 self.loss_weights,
                                                 self.branches, seg_logits):
            scores = branch.loss_by_feat(logits, batch_data_samples)
            for name, value in scores.items():
                if 'loss' in name:
                    value = value * weight
                losses[f'l{level}.{name}'] = value
        return losses
