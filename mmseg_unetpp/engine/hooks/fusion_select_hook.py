"""Choose on val which levels accurate mode averages."""
from typing import Dict, Optional

from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from ...models.decode_heads import DeepSupervisionHead
from ...utils.checkpoint import FUSION_KEY
from .checkpoint_after_val_hook import CheckpointAfterValHook
from .switchable_hook import SwitchableHook, unwrap_model


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

    Nothing is done for a model without a ``DeepSupervisionHead`` or when
    the metrics hold no per-level scores.

    Args:
        metric (str, optional): The score to maximise. Default: ``'mIoU'``
            when the metrics hold it, else ``'mDice'``.
        enabled (bool): Choose the fusion (``default_hooks.fusion_select``;
            off, accurate mode keeps the head's ``fuse_levels``).
            Default: True.
    """

    priority = 'LOW'  # before the checkpoint hooks' after_val_epoch

    def __init__(self,
                 metric: Optional[str] = None,
                 enabled: bool = True) -> None:
        super().__init__(enabled)
        self.metric = metric

    def before_train(self, runner) -> None:
        """Warn when checkpoints are written before the validation of
        their iteration (MMEngine's ``CheckpointHook``)."""
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

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Make accurate mode average the best-scoring levels."""
        head = _head(runner)
        if head is None or not metrics:
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
            f'accurate mode averages {choice.name} from now on (val '
            f'{metric} {best:.2f}; it averaged {before.name}, val {metric} '
            f'{metrics.get(metric, float("nan")):.2f})')


def _head(runner) -> Optional[DeepSupervisionHead]:
    """The model's ``DeepSupervisionHead``, if it has one."""
    head = getattr(unwrap_model(runner.model), 'decode_head', None)
    return head if isinstance(head, DeepSupervisionHead) else None
