from .bf16_optim_wrapper import Bf16OptimWrapper
from .skip_non_finite_optim_wrapper import SkipNonFiniteOptimWrapper

__all__ = ['Bf16OptimWrapper', 'SkipNonFiniteOptimWrapper']
