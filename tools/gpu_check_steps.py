"""The steps of the GPU check (``tools/gpu_check.py run``), once the
OpenMMLab stack is installed: train the flagship config with MMSeg's
``tools/train.py`` (fp32 and AMP), test it with ``tools/test.py`` (accurate
mode and every level), run ``inference_model`` once, and time the training
step of UNet++ (fp32, AMP, channels_last) beside MMSeg's U-Net and FPN;
one table, as Markdown and JSON. ``tools/gpu_check.py`` loads this file
after its set-up (it is not a command of its own).

Ratios are img/s over the first row of the same step (UNet++ fp32). A row
that cannot run says why (``skipped``) and has no number: MMEngine's
``AmpOptimWrapper`` refuses a machine without a GPU, so the CPU dry-run
has no AMP rows.
"""
import gc
import glob
import json
import math
import os
import os.path as osp
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import AmpOptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_unetpp.apis import load_model
from mmseg_unetpp.utils.errors import error_line
from mmseg_unetpp.utils.launch import (
    data_root_options,
    load_config,
    logged_scalars,
)

FLAGSHIP = 'unetpp_camvid.py'
"""The config trained and tested, under ``configs/``."""
BENCHMARKS = (
    # (row, config under configs/, AMP, channels_last); the first row is
    # the one the others' ratios divide by.
    ('UNet++ fp32', FLAGSHIP, False, False),
    ('UNet++ AMP', FLAGSHIP, True, False),
    ('UNet++ channels_last', FLAGSHIP, False, True),
    ('UNet++ AMP channels_last', FLAGSHIP, True, True),
    ("MMSeg's U-Net fp32", 'unet_camvid.py', False, False),
    ("MMSeg's U-Net AMP", 'unet_camvid.py', True, False),
    ('UNet++ Lite0 fp32',
     'unetpp/unetpp_efficientnet-lite0_ds_1xb8-40k_camvid-352x480.py',
     False, False),
    ('UNet++ Lite0 AMP',
     'unetpp/unetpp_efficientnet-lite0_ds_1xb8-40k_camvid-352x480.py', True,
     False),
    ("MMSeg's FPN Lite0 fp32",
     'fpn/fpn_efficientnet-lite0_1xb8-40k_camvid-352x480.py', False, False),
    ("MMSeg's FPN Lite0 AMP",
     'fpn/fpn_efficientnet-lite0_1xb8-40k_camvid-352x480.py', True, False),
)
TEST = 'accurate mode and every level'
INFERENCE = 'inference_model, one image'
JSON_NAME = 'gpu_check.json'
TABLE_NAME = 'gpu_check.md'


@dataclass(frozen=True)
class CheckSizes:
    """How much each step does.

    Attributes:
        train_iters (int): Iterations of each training run.
        warmup_iters (int): First iterations left out of its img/s.
        bench_batch (int): Batch of the timed training steps.
        bench_iters (int): Timed steps per benchmark row.
        bench_warmup (int): Untimed steps before them.
        step_timeout (int): Seconds a tool's run may take.
        crop (tuple[int, int], optional): (H, W) of the training crops and
            of the benchmark's inputs; None: each config's own.
        frame (tuple[int, int], optional): (H, W) the test pipelines
            resize to; None: the config's.
        train_batch (int, optional): None: the config's batch.
        num_workers (int, optional): Data loader workers; None: the
            config's.
    """
    train_iters: int
    warmup_iters: int
    bench_batch: int
    bench_iters: int
    bench_warmup: int
    step_timeout: int
    crop: Optional[Tuple[int, int]] = None
    frame: Optional[Tuple[int, int]] = None
    train_batch: Optional[int] = None
    num_workers: Optional[int] = None


GPU = CheckSizes(train_iters=100, warmup_iters=10, bench_batch=8,
                 bench_iters=20, bench_warmup=5, step_timeout=300)
"""The configs as they are (352x480 crops, batch 8)."""
DRY_RUN = CheckSizes(train_iters=2, warmup_iters=1, bench_batch=2,
                     bench_iters=2, bench_warmup=1, step_timeout=180,
                     crop=(32, 48), frame=(40, 56), train_batch=2,
                     num_workers=0)
"""Tiny sizes for the CPU (frames of 40x56)."""


@dataclass
class CheckRow:
    """One row of the table.

    Attributes:
        step (str): ``'train'``, ``'test'``, ``'inference'`` or
            ``'benchmark'``.
        name (str): What ran.
        status (str): ``'ok'``, ``'skipped'`` or ``'failed'``.
        img_per_s (float, optional): Images per second.
        ratio (float, optional): ``img_per_s`` over that of the step's
            first row.
        peak_mb (float, optional): Peak memory (see the report's
            ``peak_memory``).
        note (str): Scores, shapes, or why the row was skipped or failed.
        details (dict): The command, the log and the numbers behind the
            row.
    """
    step: str
    name: str
    status: str = 'ok'
    img_per_s: Optional[float] = None
    ratio: Optional[float] = None
    peak_mb: Optional[float] = None
    note: str = ''
    details: Dict[str, Any] = field(default_factory=dict)


def cli_options(options: Dict[str, Any]) -> List[str]:
    """``{'a.b': (1, 2)}`` -> ``['a.b=(1,2)']`` for ``--cfg-options``."""
    def text(value: Any) -> str:
        if isinstance(value, tuple):
            return '(' + ','.join(text(v) for v in value) + ')'
        return str(value)

    return [f'{key}={text(value)}' for key, value in options.items()]


def pipeline_options(cfg: Config, sizes: CheckSizes) -> Dict[str, Any]:
    """Options that resize the config's test pipelines to ``sizes.frame``
    and its training crops to ``sizes.crop`` (nothing for the GPU)."""
    options: Dict[str, Any] = {}
    pipelines = {
        f'{loader}.dataset.pipeline': cfg[loader].dataset.pipeline
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    }
    pipelines['test_pipeline'] = cfg.get('test_pipeline', [])
    for key, pipeline in pipelines.items():
        for k, transform in enumerate(pipeline):
            kind = transform['type']
            if sizes.frame and kind in ('Resize', 'RandomResize') \
                    and 'scale' in transform:
                options[f'{key}.{k}.scale'] = sizes.frame[::-1]  # (w, h)
            if sizes.crop and kind == 'RandomCrop':
                options[f'{key}.{k}.crop_size'] = sizes.crop
    if sizes.crop:
        options['model.data_preprocessor.size'] = sizes.crop
    return options


def data_options(cfg: Config, data_root: str,
                 sizes: CheckSizes) -> Dict[str, Any]:
    """Options that point a CamVid config at ``data_root`` (its train and
    val splits; the val split is also the test set) at ``sizes``."""
    options: Dict[str, Any] = {}
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    options.update(data_root_options(cfg, data_root))
    for loader in loaders:
        if sizes.num_workers is not None:
            options[f'{loader}.num_workers'] = sizes.num_workers
            options[f'{loader}.persistent_workers'] = sizes.num_workers > 0
    options['test_dataloader.dataset.ann_file'] = 'val.txt'
    options['test_dataloader.dataset.data_prefix.img_path'] = 'val'
    options['test_dataloader.dataset.data_prefix.seg_map_path'] = 'valannot'
    if sizes.train_batch:
        options['train_dataloader.batch_size'] = sizes.train_batch
    options.update(pipeline_options(cfg, sizes))
    return options


@dataclass
class Tools:
    """This package's ``tools/`` (MMSeg's, with the package imported), run
    as commands with this Python.

    Attributes:
        folder (str): The ``tools/`` folder.
        timeout (float): Seconds a run may take; it is killed then.
        cpu (bool): Hide the GPUs from the tools. Default: False.
    """
    folder: str
    timeout: float
    cpu: bool = False

    def run(self, tool: str, args: Sequence[str],
            log_file: str) -> Tuple[int, float, List[str]]:
        """Run ``tools/<tool>.py ARGS`` with its output in ``log_file``.

        Returns:
            tuple: The exit status (-9 when killed at the timeout), the
            peak resident set of the process in MB, and the command.
        """
        command = [sys.executable, osp.join(self.folder, f'{tool}.py')
                   ] + list(args)
        env = dict(os.environ, CUDA_VISIBLE_DEVICES='') if self.cpu \
            else None
        with open(log_file, 'w') as log:
            proc = subprocess.Popen(command, stdout=log, env=env,
                                    stderr=subprocess.STDOUT)
            timer = threading.Timer(self.timeout, proc.kill)
            timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        return proc.returncode, usage.ru_maxrss / 1024, command


def last_line(log_file: str) -> str:
    """The last non-empty line of a log (a tool's one-line error)."""
    with open(log_file, errors='replace') as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1] if lines else '(no output)'


def train_row(name: str, config: str, options: Dict[str, Any], batch: int,
              amp: bool, work_dir: str, log_file: str, sizes: CheckSizes,
              tools: Tools) -> CheckRow:
    """Train ``config`` with ``tools/train.py`` for ``sizes.train_iters``
    iterations; img/s from its log (every iteration, data loading
    included), after ``sizes.warmup_iters``."""
    options = dict(options)
    options.update({
        'train_cfg.max_iters': sizes.train_iters,
        'param_scheduler': None,  # its warm-up outlasts a short run
        'default_hooks.logger.interval': 1,
        'log_processor.window_size': 1,
        'randomness.seed': 0,
    })
    args = [config, '--work-dir', work_dir] + ['--amp'] * amp
    code, peak_rss, command = tools.run(
        'train', args + ['--cfg-options'] + cli_options(options), log_file)
    details = dict(command=command, log=log_file, batch=batch,
                   iters=sizes.train_iters)
    checkpoint = osp.join(work_dir, f'iter_{sizes.train_iters}.pth')
    if code or not osp.isfile(checkpoint):
        return CheckRow('train', name, 'failed', note=last_line(log_file),
                        details=details)
    records = [r for r in logged_scalars(work_dir) if 'iter' in r]  # not val's
    timed = [r for r in records if r['iter'] > sizes.warmup_iters]
    step_s = sum(r['time'] for r in timed) / len(timed)
    data_s = sum(r['data_time'] for r in timed) / len(timed)
    memory = [r['memory'] for r in records if 'memory' in r]
    loss = [r['loss'] for r in records if 'loss' in r][-1]
    details.update(checkpoint=checkpoint, step_s=step_s, data_time_s=data_s,
                   loss=loss)
    return CheckRow(
        'train', name, img_per_s=batch / step_s,
        peak_mb=max(memory) if memory else peak_rss,
        note=f'loss {loss:.3f}; data loading {100 * data_s / step_s:.0f}% '
        'of a step', details=details)


def test_row(config: str, checkpoint: str, options: Dict[str, Any],
             work_dir: str, log_file: str, tools: Tools) -> CheckRow:
    """Test ``checkpoint`` with ``tools/test.py``: the mIoU of accurate
    mode and of every level (and mean of levels), in one pass."""
    name = TEST
    code, _, command = tools.run(
        'test', [config, checkpoint, '--work-dir', work_dir, '--cfg-options'
                 ] + cli_options(options), log_file)
    details: Dict[str, Any] = dict(command=command, log=log_file)
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    if code or not logs:
        return CheckRow('test', name, 'failed', note=last_line(log_file),
                        details=details)
    with open(logs[-1]) as f:
        metrics = {k: v for k, v in json.load(f).items() if 'IoU' in k}
    details['metrics'] = {k: _finite(v) for k, v in metrics.items()}
    levels = sorted(k for k in metrics if k.endswith('.mIoU')
                    and '-' not in k)
    note = f"mIoU {metrics['mIoU']:.2f}; " + ', '.join(
        f"{k.split('.')[0]} {metrics[k]:.2f}" for k in levels)
    return CheckRow('test', name, note=note, details=details)


def _finite(value: float) -> Optional[float]:
    """``value``, or None for NaN (JSON has no NaN)."""
    return None if isinstance(value, float) and math.isnan(value) else value


def inference_row(config: str, checkpoint: str, image: str, device: str,
                  options: Dict[str, Any]) -> CheckRow:
    """``mmseg.apis.inference_model`` once on ``image``: a label map of
    the image's size is expected."""
    import mmcv
    from mmseg.apis import inference_model
    name = INFERENCE
    model = load_model(config, checkpoint, device=device,
                       cfg_options=options)
    _sync(device)
    start = time.perf_counter()
    result = inference_model(model, image)
    _sync(device)
    ms = 1000 * (time.perf_counter() - start)
    labels = result.pred_sem_seg.data
    height, width = mmcv.imread(image).shape[:2]
    details = dict(image=image, ms=ms, shape=list(labels.shape[1:]),
                   classes=sorted(labels.unique().tolist()))
    if tuple(labels.shape) != (1, height, width):
        return CheckRow('inference', name, 'failed',
                        note=f'label map {tuple(labels.shape)} for a '
                        f'{height}x{width} image', details=details)
    return CheckRow(
        'inference', name,
        note=f'{height}x{width} label map, {len(details["classes"])} '
        f'classes, {ms:.0f} ms (first call)', details=details)


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def amp_refusal(device: str) -> Optional[str]:
    """Why MMEngine's ``AmpOptimWrapper`` (``torch.cuda.amp``) does not
    run on ``device``, or None when it does."""
    try:
        AmpOptimWrapper(optimizer=torch.optim.SGD(
            [torch.zeros(1, requires_grad=True)], lr=0.1))
    except AssertionError as error:
        return f"MMEngine's AmpOptimWrapper refuses: {error_line(error)}"
    if not device.startswith('cuda'):
        return "MMEngine's AmpOptimWrapper autocasts on the GPU only"
    return None


def benchmark_row(name: str, config: str, amp: bool, channels_last: bool,
                  sizes: CheckSizes, device: str) -> CheckRow:
    """Time the training step of ``config``'s model (as
    ``BaseModel.train_step``: data preprocessor, every loss, the config's
    optimiser) on random images at the config's crop (``sizes.crop`` if
    set); no data loading."""
    cfg = load_config(config)
    if sizes.crop:
        cfg.model.data_preprocessor.size = sizes.crop
    height, width = cfg.model.data_preprocessor.size
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).to(device)
    model.train()
    optim_cfg = cfg.optim_wrapper.copy()
    if amp:
        optim_cfg.update(type='AmpOptimWrapper', loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if device.startswith('cuda'):  # as the Runner sets it from env_cfg
        torch.backends.cudnn.benchmark = bool(
            cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    num_classes = cfg.model.decode_head.num_classes
    batch = random_batch(sizes.bench_batch, (height, width), num_classes)

    def step() -> None:
        with optim_wrapper.optim_context(model):
            data = model.data_preprocessor(batch, True)
            inputs = data['inputs']
            if channels_last:
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            losses = model(inputs, data['data_samples'], mode='loss')
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    for _ in range(sizes.bench_warmup):
        step()
    _sync(device)
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(sizes.bench_iters):
        step()
    _sync(device)
    seconds = time.perf_counter() - start
    peak = (torch.cuda.max_memory_allocated() / 2**20
            if device.startswith('cuda') else None)
    return CheckRow(
        'benchmark', name,
        img_per_s=sizes.bench_batch * sizes.bench_iters / seconds,
        peak_mb=peak,
        note=f'batch {sizes.bench_batch}, {height}x{width}',
        details=dict(config=config, amp=amp, channels_last=channels_last,
                     batch=sizes.bench_batch, size=[height, width],
                     iters=sizes.bench_iters, seconds=seconds))


def random_batch(batch: int, size: Tuple[int, int],
                 num_classes: int) -> dict:
    """A batch as MMSeg's data loader gives it: uint8 images and label
    maps of ``size``."""
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, *size), generator=g,
                                    dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, num_classes, (1, *size), generator=g))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def guarded(step: str, name: str, measure: Callable[..., CheckRow],
            *args: Any) -> CheckRow:
    """``measure(*args)``; an exception (a GPU out of memory, say) is a
    failed row, its traceback printed, and the next row runs."""
    try:
        return measure(*args)
    except Exception as error:
        traceback.print_exc()
        return CheckRow(step, name, 'failed',
                        note=f'{type(error).__name__}: {error_line(error)}')


def set_ratios(rows: Sequence[CheckRow]) -> None:
    """Each row's img/s over that of the first row of its step."""
    first: Dict[str, CheckRow] = {}
    for row in rows:
        reference = first.setdefault(row.step, row)
        if row.img_per_s is not None and reference.img_per_s:
            row.ratio = row.img_per_s / reference.img_per_s


def format_table(rows: Sequence[CheckRow]) -> str:
    """The rows as a Markdown table."""
    def number(value: Optional[float], digits: int = 1,
               suffix: str = '') -> str:
        return '-' if value is None else f'{value:.{digits}f}{suffix}'

    lines = ['| step | run | img/s | ratio | peak memory (MB) | result |',
             '|---|---|---|---|---|---|']
    for row in rows:
        result = row.note if row.status == 'ok' else \
            f'{row.status}: {row.note}'
        lines.append(
            f'| {row.step} | {row.name} | {number(row.img_per_s)} | '
            f'{number(row.ratio, 2, "x")} | {number(row.peak_mb, 0)} | '
            f'{result} |')
    return '\n'.join(lines)


def environment(device: str) -> Dict[str, Any]:
    """The device and the versions that ran."""
    import mmcv
    import mmengine
    import mmseg

    from mmseg_unetpp import __version__
    name = (torch.cuda.get_device_name(device) if device.startswith('cuda')
            else f'cpu, {torch.get_num_threads()} threads')
    return dict(
        device=name, python=sys.version.split()[0], torch=torch.__version__,
        cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
        mmcv=mmcv.__version__, mmengine=mmengine.__version__,
        mmseg=mmseg.__version__, mmseg_unetpp=__version__)


def run_checks(out_dir: str, work_dir: str, data_root: str,
               configs_dir: str, tools_dir: str, sizes: CheckSizes,
               device: str, dry_run: bool = False) -> dict:
    """Run the four steps; the report is rewritten to
    ``out_dir/gpu_check.json`` (and the table to ``gpu_check.md``) after
    each, so a run cut short keeps what it measured.

    Args:
        out_dir (str): Where the report and the tools' logs go.
        work_dir (str): Work dirs of the training and test runs.
        data_root (str): CamVid in the SegNet layout (train and val
            splits).
        configs_dir (str): This package's ``configs/``.
        tools_dir (str): This package's ``tools/``.
        sizes (CheckSizes): :data:`GPU` or :data:`DRY_RUN`.
        device (str): ``'cuda'`` or ``'cpu'``.
        dry_run (bool): Recorded in the report. Default: False.

    Returns:
        dict: The report (``rows`` as dicts).
    """
    os.makedirs(out_dir, exist_ok=True)
    start = time.perf_counter()
    report: Dict[str, Any] = dict(
        dry_run=dry_run, **environment(device),
        peak_memory=('torch.cuda.max_memory_allocated, MB' if device ==
                     'cuda' else 'peak resident set of the training '
                     'process, MB (benchmark rows: not measured on a CPU)'),
        sizes=asdict(sizes), seconds={}, rows=[])
    rows: List[CheckRow] = []

    def record(step: str, new_rows: Sequence[CheckRow], since: float):
        rows.extend(new_rows)
        set_ratios(rows)
        report['rows'] = [asdict(r) for r in rows]
        report['seconds'][step] = round(time.perf_counter() - since, 1)
        report['seconds']['total'] = round(time.perf_counter() - start, 1)
        with open(osp.join(out_dir, JSON_NAME), 'w') as f:
            json.dump(report, f, indent=1)
        with open(osp.join(out_dir, TABLE_NAME), 'w') as f:
            f.write(format_table(rows) + '\n')
        for row in new_rows:
            print(f'[gpu_check] {step}: {row.name}: ' + (
                f'{row.img_per_s:.1f} img/s' if row.img_per_s is not None
                else f'{row.status} {row.note}'), flush=True)

    flagship = osp.join(configs_dir, FLAGSHIP)
    cfg = load_config(flagship)
    options = data_options(cfg, data_root, sizes)
    batch = sizes.train_batch or cfg.train_dataloader.batch_size
    tools = Tools(tools_dir, sizes.step_timeout, cpu=device == 'cpu')
    refusal = amp_refusal(device)
    since = time.perf_counter()
    train = []
    for amp in (False, True):
        name = f"{FLAGSHIP} {'--amp' if amp else 'fp32'}"
        if amp and refusal:
            train.append(CheckRow('train', name, 'skipped', note=refusal))
            continue
        tag = 'train_amp' if amp else 'train_fp32'
        train.append(train_row(
            name, flagship, options, batch, amp, osp.join(work_dir, tag),
            osp.join(out_dir, f'{tag}.log'), sizes, tools))
    record('train', train, since)

    since = time.perf_counter()
    checkpoint = train[0].details.get('checkpoint')
    if checkpoint is None:
        tested = [CheckRow(step, name, 'skipped',
                           note='no checkpoint: training failed')
                  for step, name in (('test', TEST),
                                     ('inference', INFERENCE))]
    else:
        with open(osp.join(data_root, 'val.txt')) as f:
            image = osp.join(data_root, 'val', f.readline().strip() + '.png')
        tested = [
            test_row(flagship, checkpoint, options,
                     osp.join(work_dir, 'test'),
                     osp.join(out_dir, 'test.log'), tools),
            guarded('inference', INFERENCE, inference_row, flagship,
                    checkpoint, image, device, pipeline_options(cfg, sizes))
        ]
    record('test and inference', tested, since)

    since = time.perf_counter()
    bench = []
    for name, config, amp, channels_last in BENCHMARKS:
        if amp and refusal:
            bench.append(CheckRow('benchmark', name, 'skipped',
                                  note=refusal))
            continue
        bench.append(guarded('benchmark', name, benchmark_row, name,
                             osp.join(configs_dir, config), amp,
                             channels_last, sizes, device))
        if device == 'cuda':  # the next row's peak is its own
            gc.collect()
            torch.cuda.empty_cache()
    record('benchmark', bench, since)
    return report
