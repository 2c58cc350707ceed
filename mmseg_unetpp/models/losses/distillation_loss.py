"""Distillation of one prediction from another (self-distillation)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class DistillationLoss(nn.Module):
    """``loss_weight * T**2 * KL(teacher_T || student_T)``, per pixel, mean
    over pixels (Hinton et al., 2015).

    ``p_T = softmax(logits / T)`` over the channels (for one channel, the
    sigmoid's two-class distribution). The teacher is not differentiated:
    give it detached. The loss is zero where the student's distribution is
    the teacher's, and the ``T**2`` factor keeps its gradient's scale
    independent of ``T``.

    ``DeepSupervisionHead`` logs it per student branch,
    ``decode.l{k}.loss_distill``.

    Args:
        loss_weight (float): Weight of the loss. Default: 1.0.
        temperature (float): T, > 0. Default: 1.0.
    """

    def __init__(self, loss_weight: float = 1.0, temperature: float = 1.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.loss_weight = loss_weight
        self.temperature = temperature

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        """The loss of (N, C, H, W) student logits against teacher logits
        of the same shape."""
        if student.shape != teacher.shape:
            raise ValueError(f'student logits {tuple(student.shape)} and '
                             f'teacher logits {tuple(teacher.shape)} differ')
        t = self.temperature
        student, teacher = student.float() / t, teacher.float() / t
        if student.shape[1] == 1:  # sigmoid: two classes, z and 0
            student = torch.cat([student, torch.zeros_like(student)], dim=1)
            teacher = torch.cat([teacher, torch.zeros_like(teacher)], dim=1)
        log_p = F.log_softmax(teacher, dim=1)
        log_q = F.log_softmax(student, dim=1)
        kl = (log_p.exp() * (log_p - log_q)).sum(dim=1)
        return self.loss_weight * t * t * kl.mean()
