"""Refuse a checkpoint that does not fit the model."""
import re
from typing import List, Tuple

from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from ...utils.errors import CheckpointMismatchError

# What MMEngine's Runner.load_checkpoint strips by default (revise_keys).
_WRAPPER_PREFIX = re.compile(r'^module\.')


def compare_state_dicts(
        checkpoint: dict, model: dict
) -> Tuple[List[str], List[str], List[Tuple[str, tuple, tuple]]]:
    """Keys of ``model`` missing from ``checkpoint``, keys of ``checkpoint``
    unknown to ``model``, and ``(key, checkpoint shape, model shape)`` for
    tensors of different shapes. BN's ``num_batches_tracked`` counters are
    not compared (MMEngine ignores them too)."""
    missing = [
        k for k in model
        if k not in checkpoint and not k.endswith('num_batches_tracked')
    ]
    unexpected = [k for k in checkpoint if k not in model]
    mismatched = [(k, tuple(checkpoint[k].shape), tuple(model[k].shape))
                  for k in model if k in checkpoint
                  and hasattr(checkpoint[k], 'shape')
                  and tuple(checkpoint[k].shape) != tuple(model[k].shape)]
    return missing, unexpected, mismatched


def _first(items: list, show=str, limit: int = 2) -> str:
    shown = '; '.join(show(item) for item in items[:limit])
    return shown + ('; ...' if len(items) > limit else '')


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Check that a checkpoint's weights fit the model before they load.

    MMEngine loads checkpoints non-strictly: a tensor missing from the
    checkpoint keeps its random initial value, a tensor of another shape is
    skipped, a long warning is printed, and testing or training goes on
    with a partly random model. This hook compares the checkpoint with the
    model in ``after_load_checkpoint``, before anything is copied, on every
    process.

    ``tools/test.py`` and ``tools/train.py --resume`` always add it with
    ``strict=True``; ``tools/train.py`` adds it for ``load_from`` with the
    ``strict`` the config gives it (default True).

    Args:
        strict (bool): If True, any missing, unexpected or mis-shaped tensor
            raises :class:`CheckpointMismatchError` naming the first ones.
            If False (fine-tuning from another model through ``load_from``),
            log a summary of what will not be loaded and go on; a checkpoint
            of which no tensor fits is still refused. Default: True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare ``checkpoint['state_dict']`` with the model.

        Raises:
            CheckpointMismatchError: see ``strict``.
        """
        state = checkpoint.get('state_dict', checkpoint)
        state = {_WRAPPER_PREFIX.sub('', k): v for k, v in state.items()}
        model = runner.model
        # As MMEngine's load_state_dict: into the model inside DDP or TTA.
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
        expected = model.state_dict()
        missing, unexpected, mismatched = compare_state_dicts(state, expected)
        if not (missing or unexpected or mismatched):
            return
        source = runner.cfg.get('load_from') or 'the checkpoint'
        parts = []
        if mismatched:
            parts.append(f'{len(mismatched)} tensor(s) of another shape ('
                         + _first(mismatched, lambda m: f'{m[0]}: {m[1]} in '
                                  f'the checkpoint, {m[2]} in the model') +
                         ')')
        if missing:
            parts.append(f'{len(missing)} missing ({_first(missing)})')
        if unexpected:
            parts.append(f'{len(unexpected)} not in the model '
                         f'({_first(unexpected)})')
        details = ', '.join(parts)
        fitting = len(expected) - len(missing) - len(mismatched)
        if self.strict or fitting <= 0:
            hint = ('it was trained with another model or config' if
                    self.strict else 'nothing in it fits this model')
            raise CheckpointMismatchError(
                f'{source} does not fit the model of this config: '
                f'{details}; {hint}')
        runner.logger.warning(
            f'non-strict load of {source}: {fitting} of {len(expected)} '
            f'tensors fit and are loaded; not loaded: {details}')
