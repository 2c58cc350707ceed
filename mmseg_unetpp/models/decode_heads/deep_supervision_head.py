"""Deep supervision for UNet++: one classifier branch per nested output."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads import FCNHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ...structures import Levels, level_runs
from ..utils import pixel_accuracy

TEACHERS = ('deepest', 'mean')


@MODELS.register_module()
class DeepSupervisionHead(BaseModule):
    """A classifier branch on each of X(0, 1) .. X(0, L) with weighted losses.

    Each branch is a complete MMSeg decode head (``FCNHead``): ``num_convs``
    conv-norm-act layers then a 1x1 ``conv_seg``; with ``num_convs=0`` it is
    exactly the paper's 1x1 classifier. This head holds the branches and
    combines them; each branch's loss is computed as MMSeg's
    ``BaseDecodeHead.loss_by_feat`` does (``branch_loss``, with a faster
    accuracy) and its logits resized by its ``predict_by_feat``. Branch b
    reads
    the backbone (or neck) output ``in_index[b]``; ``UNetPlusPlus`` and
    ``UNetPlusPlusNeck`` return X(0, t+1) at index t, so the branch on index
    t is called level ``t + 1`` (``l1``, ``l2``...).

    Training: every branch gets the full ``loss_decode`` (one loss or a
    list), scaled by its entry of ``loss_weights``; the losses and the
    accuracy are logged per branch (``decode.l2.loss_ce``,
    ``decode.l2.acc_seg``) and the total loss is their weighted sum.

    With ``distill_loss``, each branch but the teacher also learns the
    teacher's soft prediction (self-distillation, Zhang et al., "Be Your
    Own Teacher", ICCV 2019): the teacher is the deepest branch
    (``distill_teacher='deepest'``) or the mean of every branch
    (``'mean'``), detached; logged as ``decode.l1.loss_distill``...

    Inference predicts one :class:`~mmseg_unetpp.structures.Levels`,
    :attr:`prediction`:

    - accurate mode (``fast_level`` None): the mean of the probabilities
      (softmax, or sigmoid when ``out_channels == 1``) of the levels
      :attr:`fusion` names (the ``fusion_weights`` buffer, saved in
      checkpoints; every level by default, ``FusionSelectHook`` picks them
      on val). ``predict`` returns logits whose softmax/sigmoid is that
      mean (log-mean-probabilities), so MMSeg's post-processing, slide
      inference and TTA apply unchanged; only the averaged branches (and
      the grid up to the deepest of them) are computed.
    - fast mode (``fast_level`` k): the branch of level k alone.
      ``DeepSupervisionEncoderDecoder`` then computes only sub-network k
      of the grid (pruning); under another segmentor the whole grid is
      computed and this branch is used.

    ``fast_level`` is the one setting of the prediction, in a config
    (``decode_head=dict(fast_level=2)``), on the command line
    (``--cfg-options model.decode_head.fast_level=2``) and in
    ``load_model(..., fast_level=2)``.

    Args:
        in_channels (int | Sequence[int]): Channels of each selected output
            (an int is used for all of them).
        channels (int): Channels of the branches' conv layers. Must equal
            the input channels when ``num_convs=0``.
        in_index (Sequence[int]): Backbone outputs to supervise, consecutive.
            Default: ``(0, 1, 2, 3)`` (X(0, 1) .. X(0, 4)).
        num_convs (int): Conv layers per branch before ``conv_seg``; in
            eval mode each runs with its BN folded into the convolution
            (MMCV's ``efficient_conv_bn_eval``). Default: 0.
        kernel_size (int): Kernel of the branch convs. Default: 3.
        concat_input (bool): Concatenate the input and the branch convs'
            output before ``conv_seg`` (as ``FCNHead``). Default: False.
        dilation (int): Dilation of the branch convs. Default: 1.
        share_branch (bool): One set of branch weights for every output.
            Default: False.
        loss_weights (Sequence[float], optional): Weight of each branch's
            loss. Default: 1.0 for every branch.
        fast_level (int, optional): Predict with the branch of this level
            alone (fast mode), one of the branch levels; None predicts with
            the mean of the fused levels (accurate mode). Default: None.
        fuse_levels (Sequence[int], optional): The consecutive levels
            accurate mode averages, until a checkpoint or
            ``FusionSelectHook`` sets ``fusion_weights``. Default: every
            level.
        distill_loss (dict, optional): Config of a distillation loss (e.g.
            ``dict(type='DistillationLoss', loss_weight=1.0,
            temperature=2.0)``) for self-distillation. Default: None.
        distill_teacher (str): ``'deepest'`` or ``'mean'``.
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
                 fast_level: Optional[int] = None,
                 fuse_levels: Optional[Sequence[int]] = None,
                 distill_loss: Optional[ConfigType] = None,
                 distill_teacher: str = 'deepest',
                 init_cfg: Optional[ConfigType] = None,
                 **kwargs):
        in_index = list(in_index)
        if isinstance(in_channels, int):
            in_channels = [in_channels] * len(in_index)
        if len(in_channels) != len(in_index):
            raise ValueError(
                f'in_channels has {len(in_channels)} entries but in_index '
                f'selects {len(in_index)} outputs')
        if not in_index or in_index != list(
                range(in_index[0], in_index[0] + len(in_index))):
            raise ValueError(f'in_index must select consecutive outputs '
                             f'(levels), e.g. [0, 1, 2, 3], got {in_index}')
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
        _check_binary(kwargs)
        _refuse_mode_and_level(kwargs)
        super().__init__(init_cfg=init_cfg)
        kwargs.setdefault('dropout_ratio', 0.0)  # the paper has none

        def fcn_head(channels_in: int) -> FCNHead:
            return FCNHead(
                in_channels=channels_in,
                channels=channels,
                num_convs=num_convs,
                kernel_size=kernel_size,
                concat_input=concat_input,
                dilation=dilation,
                in_index=0,
                **kwargs)

        def branch(channels_in: int) -> FCNHead:
            head = fcn_head(channels_in)
            # BN folded into its convolution in eval mode (at test).
            for module in head.modules():
                if isinstance(module, ConvModule):
                    module.turn_on_efficient_conv_bn_eval()
            return head

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
        self.fast_level = fast_level
        # 1 for the branches accurate mode averages, 0 for the others.
        self.register_buffer('fusion_weights', torch.ones(num_branches))
        if fuse_levels is not None:
            try:
                self.fusion = Levels.spanning(fuse_levels)
            except ValueError as error:
                raise ValueError(f'fuse_levels: {error}') from None
        if distill_teacher not in TEACHERS:
            raise ValueError(f'distill_teacher must be one of {TEACHERS}, '
                             f'got {distill_teacher!r}')
        self.distill_teacher = distill_teacher
        self.distill_loss = None if distill_loss is None else MODELS.build(
            distill_loss)

    @property
    def fast_level(self) -> Optional[int]:
        """The level fast mode predicts with, or None for accurate mode."""
        return self._fast_level

    @fast_level.setter
    def fast_level(self, level: Optional[int]) -> None:
        if level is not None and level not in self.levels:
            raise ValueError(f'fast_level must be None (accurate mode) or '
                             f'one of the branch levels {self.levels}, got '
                             f'{level!r}')
        self._fast_level = level

    @property
    def fusion(self) -> Levels:
        """The levels accurate mode averages (from ``fusion_weights``)."""
        fused = [
            level for level, weight in zip(self.levels,
                                           self.fusion_weights.tolist())
            if weight > 0
        ]
        try:
            return Levels.spanning(fused)
        except ValueError:
            raise ValueError(
                f'fusion_weights {self.fusion_weights.tolist()} select the '
                f'levels {fused}; accurate mode averages consecutive levels'
            ) from None

    @fusion.setter
    def fusion(self, levels: Levels) -> None:
        if not set(levels.levels) <= set(self.levels):
            raise ValueError(f'fusion must be among the branch levels '
                             f'{self.levels}, got {levels.name}')
        self.fusion_weights.copy_(
            torch.tensor([float(level in levels) for level in self.levels]))

    @property
    def prediction(self) -> Levels:
        """What ``predict`` averages: level ``fast_level`` in fast mode,
        :attr:`fusion` in accurate mode."""
        if self.fast_level is not None:
            return Levels(self.fast_level)
        return self.fusion

    @property
    def level_runs(self) -> List[Levels]:
        """Every level and every mean of consecutive levels (the candidates
        of :attr:`fusion`), sorted."""
        return level_runs(self.levels)

    def forward(self,
                inputs: Sequence[Tensor],
                levels: Optional[Sequence[int]] = None) -> List[Tensor]:
        """Branch logits.

        Args:
            inputs (Sequence[Tensor]): Backbone (or neck) outputs;
                ``inputs[t]`` is X(0, t+1), shape (N, C, H, W). Pruned to
                level k they are X(0, 1) .. X(0, k).
            levels (Sequence[int], optional): The levels whose branches
                are computed. Default: every level in training, those of
                :attr:`prediction` in inference.

        Returns:
            list[Tensor]: (N, out_channels, H, W) logits of the branch of
            each level, in the order of ``levels``.
        """
        if levels is None:
            levels = self.levels if self.training else \
                self.prediction.levels
        branches = [self.levels.index(level) for level in levels]
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
        given branches' probabilities."""
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
        """Logits of :attr:`prediction` at the input size."""
        return self.predict_levels(inputs, batch_img_metas,
                                   [self.prediction])

    def predict_levels(self, inputs: Tuple[Tensor],
                       batch_img_metas: List[dict],
                       levels: Sequence[Levels]) -> Tensor:
        """Logits of each of ``levels`` (a level, or the mean of levels) at
        the input size, in one tensor; each branch is computed once.

        Returns:
            Tensor: (N, len(levels) * out_channels, H, W).
        """
        needed = sorted({k for run in levels for k in run.levels})
        logits = dict(zip(needed, self.forward(inputs, needed)))
        fused = [self.fuse([logits[k] for k in run.levels]) for run in levels]
        return self.resize_to_input(torch.cat(fused, dim=1), batch_img_metas)

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Forward every branch and return their losses (see
        ``loss_by_feat``)."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Sequence[Tensor],
                     batch_data_samples: SampleList) -> dict:
        """Per-branch losses (weighted) and accuracies, keyed by the level's
        name (``l2.loss_ce``, ``l2.acc_seg``); with ``distill_loss`` also
        each student branch's distillation loss, ``l2.loss_distill``."""
        losses = dict()
        for level, weight, branch, logits in zip(self.levels,
                                                 self.loss_weights,
                                                 self.branches, seg_logits):
            scores = self.branch_loss(branch, logits, batch_data_samples)
            for name, value in scores.items():
                if 'loss' in name:
                    value = value * weight
                losses[f'{Levels(level).name}.{name}'] = value
        if self.distill_loss is not None:
            if self.distill_teacher == 'deepest':
                teacher, students = seg_logits[-1], seg_logits[:-1]
                levels = self.levels[:-1]
            else:
                teacher, students = self.fuse(seg_logits), seg_logits
                levels = self.levels
            teacher = teacher.detach()
            for level, logits in zip(levels, students):
                losses[f'{Levels(level).name}.loss_distill'] = \
                    self.distill_loss(logits, teacher)
        return losses

    def branch_loss(self, branch: FCNHead, seg_logits: Tensor,
                    batch_data_samples: SampleList) -> dict:
        """One branch's losses and accuracy: ``BaseDecodeHead.loss_by_feat``
        (logits resized to the labels, the branch's sampler and losses),
        with the accuracy of :func:`pixel_accuracy`.

        For a one-channel branch the prediction is foreground where the
        probability is above ``threshold``; MMSeg's ``accuracy`` takes the
        top channel, always class 0 for one channel: it would log the share
        of background pixels, the same for every branch. For more channels
        the figure is MMSeg's, computed faster (see :func:`pixel_accuracy`).

        A fork of
        ``mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat``
        of MMSeg 1.2.2 (its private ``_stack_batch_gt`` is checked by
        :mod:`mmseg_unetpp.utils.private_api`):
        ``test_branch_losses_are_mmsegs`` (``tests/test_models/
        test_decode_heads/test_deep_supervision_head.py``) holds it to the
        branch's own ``loss_by_feat``.
        """
        seg_label = branch._stack_batch_gt(batch_data_samples)
        seg_logits = resize(seg_logits, size=seg_label.shape[2:],
                            mode='bilinear', align_corners=self.align_corners)
        seg_weight = (None if branch.sampler is None else
                      branch.sampler.sample(seg_logits, seg_label))
        seg_label = seg_label.squeeze(1)
        losses = dict()
        decodes = branch.loss_decode if isinstance(
            branch.loss_decode, nn.ModuleList) else [branch.loss_decode]
        for loss_decode in decodes:
            value = loss_decode(seg_logits, seg_label, weight=seg_weight,
                                ignore_index=branch.ignore_index)
            name = loss_decode.loss_name
            losses[name] = losses[name] + value if name in losses else value
        with torch.no_grad():
            if self.out_channels == 1:
                pred = (seg_logits[:, 0] > torch.logit(
                    seg_logits.new_tensor(self.threshold))).long()
            else:
                pred = seg_logits.argmax(dim=1)
        losses['acc_seg'] = pixel_accuracy(pred, seg_label,
                                           branch.ignore_index)
        return losses


def _refuse_mode_and_level(kwargs: dict) -> None:
    """Refuse the keys that ``fast_level`` replaced, naming it."""
    given = [key for key in ('mode', 'level') if key in kwargs]
    if given:
        raise ValueError(
            f'DeepSupervisionHead takes no {" or ".join(given)}: the '
            'prediction is set by fast_level alone (None for accurate mode, '
            'k for the branch of level k)')


def _check_binary(kwargs: dict) -> None:
    """Refuse the binary-head settings that MMSeg would accept and train
    wrongly (or refuse with a message that names no config key)."""
    num_classes = kwargs.get('num_classes')
    out_channels = kwargs.get('out_channels') or num_classes
    if out_channels == 1 and num_classes is not None and num_classes != 2:
        raise ValueError(
            f'decode_head.out_channels=1 is a binary head (one sigmoid '
            f'channel) and needs num_classes=2, got num_classes='
            f'{num_classes}; for {num_classes} classes drop out_channels')
    losses = kwargs.get('loss_decode') or []
    if isinstance(losses, dict):
        losses = [losses]
    for loss in losses:
        if loss.get('use_sigmoid') and out_channels and out_channels > 1:
            raise ValueError(
                f"decode_head.loss_decode {loss.get('type')}(use_sigmoid="
                f'True) needs a binary head with one channel: set '
                f'out_channels=1 (num_classes=2) for a binary task, or '
                f'use_sigmoid=False for {out_channels} softmax channels')
