# Short CPU runs on top of the AdamW/poly schedule. A config sets max_iters
# so that it fits its wall-clock budget, and with it the poly end, the
# validation and the checkpoint interval (MMEngine configs cannot derive
# them from max_iters).
_base_ = ['./adamw_poly_40k.py']
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(save_best=None, max_keep_ckpts=1))
