"""Refuse a checkpoint that does not fit the model."""
from mmseg.registry import HOOKS

from ...utils.checkpoint import (
    check_fit,
    compare_state_dicts,
    strip_wrapper_prefix,
)
from .switchable_hook import SwitchableHook, unwrap_model


@HOOKS.register_module()
class CheckpointMatchHook(SwitchableHook):
    """Check that a checkpoint's weights fit the model before they load.

    MMEngine loads checkpoints non-strictly: a tensor missing from the
    checkpoint keeps its random initial value, a tensor of another shape is
    skipped, a long warning is printed, and testing or training goes on
    with a partly random model. This hook compares the checkpoint with the
    model in ``after_load_checkpoint``, before anything is copied, on every
    process.

    The schedules (``configs/_base_/schedules/adamw_poly_40k.py``)
    register it as ``default_hooks.checkpoint_match``, so
    every load (``load_from``, ``--resume``, a test) is checked;
    ``tools/test.py`` and ``tools/train.py --resume`` make it strict
    whatever the config says.

    Args:
        strict (bool): If True, any missing, unexpected or mis-shaped tensor
            raises :class:`CheckpointMismatchError` naming the first ones.
            If False (fine-tuning from another model through ``load_from``),
            log a summary of what will not be loaded and go on; a checkpoint
            of which no tensor fits is still refused. Default: True.
        enabled (bool): Run the check (``default_hooks.checkpoint_match``).
            Default: True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = True, enabled: bool = True) -> None:
        super().__init__(enabled)
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare ``checkpoint['state_dict']`` with the model.

        Raises:
            CheckpointMismatchError: see ``strict``.
        """
        # As MMEngine's load_state_dict: into the model inside DDP or TTA.
        model = unwrap_model(runner.model, tta=True)
        # Keyed as MMEngine's Runner.load_checkpoint loads it (revise_keys).
        state = strip_wrapper_prefix(checkpoint.get('state_dict', checkpoint))
        source = runner.cfg.get('load_from') or 'the checkpoint'
        if self.strict:
            check_fit(model, state, source)
            return
        diff = compare_state_dicts(state, model.state_dict())
        if diff.fitting <= 0:
            raise diff.error(source, hint='nothing in it fits this model')
        if diff:
            total = diff.fitting + len(diff.missing) + len(diff.mismatched)
            runner.logger.warning(
                f'non-strict load of {source}: {diff.fitting} of {total} '
                f'tensors fit and are loaded; not loaded: {diff.describe()}')
