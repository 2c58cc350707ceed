"""Stop training at the first NaN/inf loss; never save non-finite weights."""
import math
from typing import Dict, Iterable, Optional, Tuple

import torch
from mmengine.dist import all_gather_object, all_reduce, is_distributed
from mmseg.registry import HOOKS

from ...utils.errors import NonFiniteLossError, NonFiniteWeightsError
from ..optimizers import SkipNonFiniteOptimWrapper
from .switchable_hook import SwitchableHook, unwrap_model

SKIPPED_KEY = 'skipped_nonfinite_steps'


def first_non_finite(
        tensors: Iterable[Tuple[str, torch.Tensor]]) -> Optional[str]:
    """Name of the first floating-point tensor holding a NaN or inf."""
    for name, tensor in tensors:
        if (torch.is_tensor(tensor) and tensor.is_floating_point()
                and not bool(torch.isfinite(tensor).all())):
            return name
    return None


@HOOKS.register_module()
class NonFiniteLossHook(SwitchableHook):
    """Stop at the first non-finite loss, or count skipped steps.

    After every iteration the loss terms (``decode.l3.loss_ce``, ...) are
    checked. With MMEngine's ``OptimWrapper`` the first NaN or inf raises
    :class:`NonFiniteLossError` naming the iteration and the terms, before
    ``CheckpointHook`` can save anything of that step. With
    :class:`SkipNonFiniteOptimWrapper` (``optim_wrapper=dict(
    type='SkipNonFiniteOptimWrapper', ...)``), which has already skipped the
    update, the step is logged and counted instead (runtime info
    ``skipped_nonfinite_steps``, kept in checkpoints).

    Weights are checked too: after each validation, before
    ``CheckpointHook`` may save the best checkpoint, and in every checkpoint
    about to be written. Non-finite weights raise
    :class:`NonFiniteWeightsError`; they are never saved.

    Under DDP the processes agree (one all-reduce per iteration), so all of
    them stop or skip together.

    Args:
        enabled (bool): Run the checks (``default_hooks.non_finite_loss``).
            Default: True.
    """

    # Before CheckpointHook (VERY_LOW) and LoggerHook (BELOW_NORMAL).
    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check this iteration's losses.

        Raises:
            NonFiniteLossError: at a non-finite loss, unless the optim
                wrapper skips such steps.
        """
        bad = self._non_finite_terms(outputs or {})
        wrapper = runner.optim_wrapper
        skipped = bool(getattr(wrapper, 'last_step_skipped', False))
        if is_distributed():
            flag = torch.tensor([float(bool(bad) or skipped)])
            all_reduce(flag, op='max')
            if flag.item() == 0:
                return
            for part in all_gather_object(bad):
                bad.update(part)
        elif not bad and not skipped:
            return
        iteration = runner.iter + 1
        terms = ', '.join(f'{k}={v}' for k, v in bad.items())
        what = (f'non-finite loss ({terms})'
                if terms else 'non-finite gradients')
        if isinstance(wrapper, SkipNonFiniteOptimWrapper):
            count = runner.message_hub.get_info(SKIPPED_KEY, 0) + 1
            runner.message_hub.update_info(SKIPPED_KEY, count)
            runner.logger.warning(f'iteration {iteration}: {what}; update '
                                  f'skipped ({count} skipped so far)')
            self._check_weights(runner, f'iteration {iteration}')
            return
        message = (
            f'iteration {iteration}: {what}; training stopped, nothing of '
            'this step is saved. Lower the learning rate or check the data; '
            "optim_wrapper=dict(type='SkipNonFiniteOptimWrapper', ...) "
            'skips such steps instead')
        runner.logger.error(message)
        raise NonFiniteLossError(message)

    def after_train(self, runner) -> None:
        """Log how many updates were skipped, if any."""
        count = runner.message_hub.get_info(SKIPPED_KEY, 0)
        if count:
            runner.logger.warning(
                f'{count} update(s) skipped for non-finite loss/gradients')

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Refuse non-finite weights before the best checkpoint is saved."""
        self._check_weights(runner, f'validation at iteration {runner.iter}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to write a checkpoint with non-finite weights."""
        name = first_non_finite(checkpoint.get('state_dict', {}).items())
        if name is not None:
            meta = checkpoint.get('meta', {})
            self._raise(runner, f'checkpoint at iteration {meta.get("iter")}',
                        name)

    @staticmethod
    def _non_finite_terms(outputs: dict) -> Dict[str, float]:
        losses = {k: v for k, v in outputs.items() if 'loss' in k}
        terms = {k: v for k, v in losses.items() if k != 'loss'} or losses
        bad = {}
        for key, value in terms.items():
            number = float(value.detach().float().mean()) if torch.is_tensor(
                value) else float(value)
            if not math.isfinite(number):
                bad[key] = number
        return bad

    def _check_weights(self, runner, when: str) -> None:
        name = first_non_finite(
            unwrap_model(runner.model).state_dict().items())
        if name is not None:
            self._raise(runner, when, name)

    @staticmethod
    def _raise(runner, when: str, name: str) -> None:
        message = (f'{when}: weights are not finite (first: {name}); they '
                   'are not saved. Training diverged: lower the learning '
                   'rate')
        runner.logger.error(message)
        raise NonFiniteWeightsError(message)
