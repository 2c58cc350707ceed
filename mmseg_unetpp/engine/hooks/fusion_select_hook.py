"""Choose which levels accurate mode averages: on val, or on a split of
its own (frames of the val set, or train frames held out from training)."""
import copy
from typing import Dict, Optional, Sequence

import torch
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from ...models.decode_heads import DeepSupervisionHead
from ...utils.checkpoint.fit import FUSION_KEY
from ...utils.dataset_config import inner_dataset
from .checkpoint_after_val_hook import CheckpointAfterValHook
from .switchable_hook import (
    SwitchableHook,
    deep_supervision_segmentor,
    unwrap_model,
)


@HOOKS.register_module()
class FusionSelectHook(SwitchableHook):
    """After each validation, make accurate mode the best prediction that
    validation scored.

    ``PerLevelIoUMetric`` scores every level (``l2.mIoU``) and every mean of
    consecutive levels (``l2-l4.mIoU``). This hook sets the head's
    ``fusion`` to the best of them, so the default prediction (accurate
    mode: ``tools/test.py``, ``inference_model``) is never below the best
    single level on that val set; with equal scores the cheaper prediction
    (shallower deepest level, then fewer levels) wins.

    The choice is the ``fusion_weights`` buffer of the model, so every
    checkpoint written after it holds it; this hook writes no file.
    MMEngine's ``CheckpointHook`` writes the checkpoint of an iteration
    before that iteration's validation runs; ``CheckpointAfterValHook``
    (``default_hooks.checkpoint`` in this package's schedules) writes it
    after, so that the last checkpoint holds the last validation's choice.
    This hook runs before it (priority ``LOW``, the checkpoint hooks
    ``VERY_LOW``) and warns once when the checkpoint hook is MMEngine's.
    Before a checkpoint is saved it puts the chosen fusion in its
    ``state_dict``, where ``EMAHook`` (priority ``NORMAL``) would otherwise
    leave its average's copy from before the validation.

    A choice made on val and scored on the same val overstates what the
    choice gives on other data. With a selection split of its own
    (``dataloader``; ``indices``: frames of the val set; ``train_indices``:
    frames of the train set), the hook instead scores every level on that
    split before each validation and chooses there, so that the
    validation's ``mIoU`` is the score of the default prediction on frames
    the choice was not made on. With ``indices``, give the validation the
    other frames (the val dataset's ``indices``, as
    ``tools/analysis_tools/side_by_side.py --select-split`` does); with
    ``train_indices``, leave those frames out of training (the train
    dataset's ``indices``, as ``side_by_side.py --hold-out`` does), and the
    validation scores all of val. One of the three at most is given.

    Nothing is done for a model without a ``DeepSupervisionHead`` or when
    the metrics hold no per-level scores. Only
    ``DeepSupervisionEncoderDecoder`` predicts every level: under another
    segmentor (MMSeg's ``EncoderDecoder`` with this package's head) the
    hook warns once before training that accurate mode keeps its levels,
    and does nothing else.

    Args:
        metric (str, optional): The score to maximise. Default: ``'mIoU'``
            when the metrics hold it, else ``'mDice'``.
        enabled (bool): Choose the fusion (``default_hooks.fusion_select``;
            off, accurate mode keeps the head's ``fuse_levels``).
            Default: True.
        dataloader (dict, optional): The dataloader (as ``val_dataloader``)
            of the selection split, scored with the val evaluator.
            Default: None (choose on the validation's own scores).
        indices (list[int], optional): The selection split as frames of the
            val set: ``val_dataloader`` with its dataset's ``indices`` set
            to these. Default: None.
        train_indices (list[int], optional): The selection split as frames
            of the train set, which training should leave out:
            ``val_dataloader`` whose dataset (inside dataset wrappers) is
            the train dataset (inside its wrappers, e.g. MMSeg's
            ``RepeatDataset``) with the val dataset's ``pipeline`` and
            ``indices`` set to these. The hook warns when training uses
            some of them (the train dataset has no ``indices``, or its
            ``indices`` hold some). Default: None.
    """

    priority = 'LOW'  # before the checkpoint hooks' after_val_epoch

    def __init__(self,
                 metric: Optional[str] = None,
                 enabled: bool = True,
                 dataloader: Optional[dict] = None,
                 indices: Optional[Sequence[int]] = None,
                 train_indices: Optional[Sequence[int]] = None) -> None:
        super().__init__(enabled)
        if sum(x is not None
               for x in (dataloader, indices, train_indices)) > 1:
            raise ValueError('FusionSelectHook: give one of dataloader, '
                             'indices (frames of the val set) and '
                             'train_indices (frames of the train set), not '
                             'several')
        for name, frames in (('indices', indices),
                             ('train_indices', train_indices)):
            if frames is not None and (
                    not isinstance(frames, (list, tuple)) or not frames
                    or not all(isinstance(i, int) and i >= 0
                               for i in frames)):
                raise ValueError(f'FusionSelectHook: {name} must be a '
                                 'non-empty list of frame numbers >= 0, got '
                                 f'{frames!r}')
        self.metric = metric
        self.dataloader = dataloader
        self.indices = None if indices is None else list(indices)
        self.train_indices = (None if train_indices is None else
                              list(train_indices))
        self._loader = None

    def before_train(self, runner) -> None:
        """Warn when no level can be chosen (a segmentor that predicts
        accurate mode alone) or when checkpoints are written before the
        validation of their iteration (MMEngine's ``CheckpointHook``)."""
        model = unwrap_model(runner.model)
        head = getattr(model, 'decode_head', None)
        if isinstance(head, DeepSupervisionHead) and _head(runner) is None:
            runner.logger.warning(
                f'FusionSelectHook: {type(model).__name__} predicts accurate '
                f'mode alone, so no level can be chosen and accurate mode '
                f'keeps averaging {head.fusion.name}; use '
                'DeepSupervisionEncoderDecoder to choose them')
        if _head(runner) is not None and any(
                isinstance(hook, CheckpointHook)
                and not isinstance(hook, CheckpointAfterValHook)
                for hook in runner.hooks):
            runner.logger.warning(
                'FusionSelectHook: CheckpointHook writes the checkpoint of '
                'an iteration before its validation, so that checkpoint '
                'misses the levels this validation picks; use '
                "default_hooks.checkpoint.type='CheckpointAfterValHook'")

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the chosen fusion in the checkpoint's ``state_dict``.

        ``state_dict`` is the model's, unless a hook of higher priority
        replaced it: ``EMAHook`` puts its average there, whose buffers it
        copied from the model at the last iteration, before the validation
        that chose this fusion.
        """
        head = _head(runner)
        weights = checkpoint.get('state_dict')
        if head is not None and weights is not None and FUSION_KEY in weights:
            weights[FUSION_KEY] = head.fusion_weights.detach().cpu().clone()

    def before_val_epoch(self, runner) -> None:
        """With a selection split: score it and choose there, so that the
        validation scores the choice."""
        head = _head(runner)
        if head is None or not self._own_split:
            return
        self._choose(runner, head, self._select_scores(runner),
                     'selection split')

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Without a selection split: make accurate mode average the levels
        that scored best on this validation."""
        head = _head(runner)
        if head is None or self._own_split:
            return
        self._choose(runner, head, metrics, 'val')

    @property
    def _own_split(self) -> bool:
        """Whether the hook chooses on a selection split of its own."""
        return not (self.dataloader is None and self.indices is None
                    and self.train_indices is None)

    def _loader_cfg(self, runner) -> dict:
        """The config of the selection split's dataloader (see the
        class's ``dataloader``, ``indices`` and ``train_indices``)."""
        if self.dataloader is not None:
            return copy.deepcopy(self.dataloader)
        loader = copy.deepcopy(runner.cfg.get('val_dataloader'))
        if not loader:
            raise ValueError('FusionSelectHook: the selection split is '
                             'built from val_dataloader, but there is none')
        _, dataset = inner_dataset(loader['dataset'])
        if self.indices is not None:
            dataset['indices'] = self.indices
            return loader
        train = copy.deepcopy(runner.cfg.get('train_dataloader'))
        if not train:
            raise ValueError('FusionSelectHook: train_indices name frames '
                             'of the train set, but there is no '
                             'train_dataloader')
        _, train_set = inner_dataset(train['dataset'])
        trained = train_set.get('indices')
        if isinstance(trained, int):  # BaseDataset: the first ones
            trained = range(trained)
        both = len(self.train_indices if trained is None else
                   set(trained) & set(self.train_indices))
        if both:
            runner.logger.warning(
                f'FusionSelectHook: {both} of the {len(self.train_indices)} '
                'train frames the levels are chosen on (train_indices) are '
                "trained on too; leave them out with the train dataset's "
                'indices')
        pipeline = dataset.get('pipeline')
        dataset.clear()
        dataset.update(train_set, pipeline=pipeline,
                       indices=self.train_indices)
        return loader

    def _select_scores(self, runner) -> Dict[str, float]:
        """Every level's scores on the selection split (the val
        evaluator's metrics)."""
        if self._loader is None:
            self._loader = runner.build_dataloader(
                self._loader_cfg(runner), seed=runner.seed)
        # The val loop's evaluator: its metrics hold no results between
        # two evaluations.
        evaluator = runner.val_loop.evaluator
        segmentor = deep_supervision_segmentor(runner)
        per_level = segmentor.per_level
        segmentor.per_level = True  # every level and mean, to choose from
        runner.model.eval()
        try:
            with torch.no_grad():
                for batch in self._loader:
                    evaluator.process(
                        data_samples=runner.model.val_step(batch),
                        data_batch=batch)
        finally:
            segmentor.per_level = per_level
        return evaluator.evaluate(len(self._loader.dataset))

    def _choose(self, runner, head: DeepSupervisionHead,
                metrics: Optional[Dict[str, float]], split: str) -> None:
        """Make accurate mode average the levels that score best in
        ``metrics``."""
        if not metrics:
            return
        metric = self.metric or ('mIoU' if 'mIoU' in metrics else 'mDice')
        scores = {
            levels: metrics[levels.metric_key(metric)]
            for levels in head.level_runs
            if levels.metric_key(metric) in metrics
        }
        if not scores:
            return
        best = max(scores.values())
        choice = min((levels for levels, score in scores.items()
                      if score == best),
                     key=lambda levels: (levels.last, len(levels)))
        before = head.fusion
        head.fusion = choice
        runner.logger.info(
            f'accurate mode averages {choice.name} from now on ({split} '
            f'{metric} {best:.2f}; it averaged {before.name}, {split} '
            f'{metric} {metrics.get(metric, float("nan")):.2f})')


def _head(runner) -> Optional[DeepSupervisionHead]:
    """The ``DeepSupervisionHead`` of the runner's
    ``DeepSupervisionEncoderDecoder``, if it is one."""
    segmentor = deep_supervision_segmentor(runner)
    return None if segmentor is None else segmentor.decode_head
