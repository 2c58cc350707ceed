"""Choose on val which levels accurate mode averages."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import save_checkpoint
from mmseg.registry import HOOKS

from ...models.decode_heads import DeepSupervisionHead
from ...utils.checkpoint import load_from_local_weights_only


@HOOKS.register_module()
class FusionSelectHook(Hook):
    """After each validation, make accurate mode the best prediction that
    validation scored.

    ``PerLevelIoUMetric`` scores every level (``l2.mIoU``) and every mean of
    consecutive levels (``l2-l4.mIoU``). This hook sets the head's
    ``fusion_weights`` to the best of them, so the default prediction
    (accurate mode: ``tools/test.py``, ``inference_model``) is never below
    the best single level on that val set; with equal scores the cheaper
    prediction (shallower deepest level, then fewer levels) wins. The
    weights are a buffer of the model, saved with it: the checkpoint of the
    iteration just validated (written before validation runs) is written
    again with them, so the last checkpoint holds the choice of the last
    validation.

    Nothing is done for a model without a ``DeepSupervisionHead`` or when
    the metrics hold no per-level scores.

    Args:
        metric (str, optional): The score to maximise. Default: ``'mIoU'``
            when the metrics hold it, else ``'mDice'``.
    """

    priority = 'LOW'  # before CheckpointHook's best checkpoint (VERY_LOW)

    def __init__(self, metric: Optional[str] = None) -> None:
        self.metric = metric

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Pick the best candidate, set it, rewrite the checkpoint of this
        iteration."""
        model = runner.model
        while is_model_wrapper(model):
            model = model.module
        head = getattr(model, 'decode_head', None)
        if not isinstance(head, DeepSupervisionHead) or not metrics:
            return
        metric = self.metric or ('mIoU' if 'mIoU' in metrics else 'mDice')
        scores = {
            name: metrics[f'{name}.{metric}']
            for name, _ in head.fusion_candidates()
            if f'{name}.{metric}' in metrics
        }
        if not scores:
            return
        candidates = dict(head.fusion_candidates())
        best = max(scores.values())
        name = min((n for n, s in scores.items() if s == best),
                   key=lambda n: (max(candidates[n]), len(candidates[n])))
        before = head.fused_levels
        head.set_fusion(candidates[name])
        runner.logger.info(
            f'accurate mode averages {name} from now on (val {metric} '
            f'{best:.2f}; it averaged levels {before}, val {metric} '
            f'{metrics.get(metric, float("nan")):.2f})')
        self._update_checkpoint(runner, head)

    def _update_checkpoint(self, runner, head: DeepSupervisionHead) -> None:
        """Write the new weights into the checkpoint saved at this
        iteration, if there is one."""
        hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)),
                    None)
        path = getattr(hook, 'last_ckpt', None)
        if not is_main_process() or path is None or not osp.isfile(path):
            return
        checkpoint = load_from_local_weights_only(path, map_location='cpu')
        if checkpoint.get('meta', {}).get('iter') != runner.iter:
            return
        model = runner.model
        while is_model_wrapper(model):
            model = model.module
        prefix = next(name for name, m in model.named_modules() if m is head)
        checkpoint['state_dict'][f'{prefix}.fusion_weights'] = \
            head.fusion_weights.detach().cpu().clone()
        save_checkpoint(checkpoint, path, backend_args=hook.backend_args)
