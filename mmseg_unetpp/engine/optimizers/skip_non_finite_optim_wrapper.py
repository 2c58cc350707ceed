"""An optimizer wrapper that skips updates with non-finite gradients."""
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class SkipNonFiniteOptimWrapper(OptimWrapper):
    """MMEngine's ``OptimWrapper`` that skips a step whose gradients hold a
    NaN or inf (which a non-finite loss gives), instead of writing them
    into the weights.

    A skipped step leaves the model as it was before the step: the weights
    are not updated, and the buffers that the forward pass changed (BN
    running statistics) are restored from a copy taken when the step began
    (``optim_context``; with gradient accumulation, when the accumulation
    window began).

    ``NonFiniteLossHook`` logs each skipped step with its loss terms and
    counts them; without this wrapper the hook stops training instead.
    Under DDP gradients are averaged across processes before the check, so
    every process skips the same steps. Use it in a config as
    ``optim_wrapper=dict(type='SkipNonFiniteOptimWrapper', optimizer=...)``.

    Attributes:
        last_step_skipped (bool): Whether the last ``update_params`` skipped
            its step.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last_step_skipped = False
        self._saved_buffers: List[Tuple[torch.Tensor, torch.Tensor]] = []

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """As ``OptimWrapper.optim_context``; copies the model's buffers at
        the start of an accumulation window, before the forward pass."""
        # A private attribute, checked by utils.private_api.
        if self.inner_count % self._accumulative_counts == 0:
            self._saved_buffers = [(b, b.detach().clone())
                                   for b in model.buffers()]
        with super().optim_context(model):
            yield

    def update_params(self,
                      loss: torch.Tensor,
                      step_kwargs: Optional[dict] = None,
                      zero_kwargs: Optional[dict] = None) -> None:
        """As ``OptimWrapper.update_params``; records whether it skipped."""
        self.last_step_skipped = False
        super().update_params(loss, step_kwargs, zero_kwargs)

    def step(self, **kwargs) -> None:
        """Update the weights unless a gradient is not finite; when it is
        not, restore the buffers and do nothing else."""
        if self.gradients_finite():
            super().step(**kwargs)
            return
        self.last_step_skipped = True
        with torch.no_grad():
            for buffer, saved in self._saved_buffers:
                buffer.copy_(saved)

    def gradients_finite(self) -> bool:
        """Whether every gradient of the optimised parameters is finite."""
        finite = [
            torch.isfinite(p.grad).all()
            for group in self.optimizer.param_groups
            for p in group['params'] if p.grad is not None
        ]
        return not finite or bool(torch.stack(finite).all())
