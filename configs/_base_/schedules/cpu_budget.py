# Short CPU runs: the AdamW/poly schedule with a 50-iteration warm-up. A
# config sets only train_cfg.max_iters (chosen to fit its wall-clock
# budget): the poly decay ends there, the model is validated once after
# the last iteration and that checkpoint is the one saved. AdamW runs
# PyTorch's fused kernel: on one CPU core its step takes 6 ms instead of 25
# for UNet++ over EfficientNet-Lite0, the same update within rounding.
_base_ = ['./adamw_poly_40k.py']
optim_wrapper = dict(optimizer=dict(fused=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=50, by_epoch=False)
]
train_cfg = dict(val_interval=10**9)  # and after the last iteration
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=-1, save_last=True, save_best=None,
                    max_keep_ckpts=1))
