"""Predict every level during the validation and test runs that score
them."""
from mmseg.registry import HOOKS

from .switchable_hook import SwitchableHook, deep_supervision_segmentor


@HOOKS.register_module()
class PerLevelPredictionHook(SwitchableHook):
    """Turn the model's ``per_level`` on for a validation or test run whose
    evaluator asks for it, and back to its value after the run.

    ``DeepSupervisionEncoderDecoder.predict`` computes only the prediction
    (accurate or fast mode) unless ``per_level`` is set; with it, accurate
    mode also predicts every level and every mean of consecutive levels,
    which ``PerLevelIoUMetric`` (``per_level = True``) scores and
    ``FusionSelectHook`` picks from. This hook sets ``per_level`` only
    while the validation or test loop whose evaluator holds such a metric
    runs, so a prediction made elsewhere (``inference_model``, a demo)
    does no scoring work.

    Nothing is done for another model (a TTA wrapper included: only the
    accurate prediction is merged).

    Args:
        enabled (bool): Run the hook (``default_hooks.per_level_prediction``;
            off, val and test score the prediction alone). Default: True.
    """

    def before_val(self, runner) -> None:
        """Predict every level if the val evaluator scores them."""
        self._start(runner, runner.val_loop.evaluator)

    def after_val(self, runner) -> None:
        """Restore ``per_level``."""
        self._stop(runner)

    def before_test(self, runner) -> None:
        """Predict every level if the test evaluator scores them."""
        self._start(runner, runner.test_loop.evaluator)

    def after_test(self, runner) -> None:
        """Restore ``per_level``."""
        self._stop(runner)

    def _start(self, runner, evaluator) -> None:
        model = deep_supervision_segmentor(runner)
        self._before = None if model is None else model.per_level
        if model is not None and any(
                getattr(metric, 'per_level', False)
                for metric in evaluator.metrics):
            model.per_level = True

    def _stop(self, runner) -> None:
        model = deep_supervision_segmentor(runner)
        if model is not None and self._before is not None:
            model.per_level = self._before
