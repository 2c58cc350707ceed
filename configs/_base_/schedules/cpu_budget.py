# A short CPU schedule: AdamW, warm-up then poly decay over `max_iters`,
# validation and a checkpoint at the end only. Configs set max_iters so that
# the run fits its wall-clock budget.
_base_ = ['./adamw_poly_40k.py']
max_iters = 1000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=50, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, save_best=None, max_keep_ckpts=1))
