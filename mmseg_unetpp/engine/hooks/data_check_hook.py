"""Check the training and validation data before training starts."""
import logging
import time
from typing import Iterator, List, Optional, Tuple

import torch.nn as nn
from mmengine.dist import all_gather_object, get_dist_info
from mmseg.registry import HOOKS

from ...datasets.sample_check import check_dataset_samples, dataset_samples
from ...utils.errors import ConfigError, DataCheckError
from .switchable_hook import SwitchableHook, unwrap_model


def decode_heads(model: nn.Module) -> Iterator[Tuple[str, nn.Module]]:
    """``(config key, head)`` of every decode and auxiliary head."""
    for name in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, name, None)
        if isinstance(heads, nn.ModuleList):
            for k, head in enumerate(heads):
                yield f'model.{name}[{k}]', head
        elif heads is not None:
            yield f'model.{name}', heads


def check_num_classes(model: nn.Module, classes: Tuple[str, ...],
                      logger=None) -> None:
    """Refuse heads with fewer classes than the dataset's labels.

    A label id >= ``num_classes`` would otherwise end the first iteration
    with an ``IndexError`` from inside the loss. A binary head
    (``out_channels=1``) has ``num_classes=2`` and fits two classes.

    Args:
        model (nn.Module): The segmentor (wrappers are looked through).
        classes (tuple[str]): The training dataset's classes.
        logger (optional): Where a head with more classes than the data is
            reported (a warning: those outputs are never trained).

    Raises:
        ConfigError: naming the head's config key and both numbers.
    """
    for key, head in decode_heads(unwrap_model(model)):
        num_classes = getattr(head, 'num_classes', None)
        if num_classes is None or num_classes == len(classes):
            continue
        if num_classes < len(classes):
            raise ConfigError(
                f'{key}.num_classes={num_classes} but the training data has '
                f'{len(classes)} classes ({", ".join(classes)}); set '
                f'{key}.num_classes={len(classes)}, or give the dataset '
                f'metainfo=dict(classes=...) with the {num_classes} classes '
                'to learn')
        if logger is not None:
            logger.warning(
                f'{key}.num_classes={num_classes} but the training data has '
                f'{len(classes)} classes: outputs {len(classes)}..'
                f'{num_classes - 1} are never trained')


@HOOKS.register_module()
class DataCheckHook(SwitchableHook):
    """Before the first iteration, check that the model's heads have the
    dataset's number of classes, then decode every training and validation
    sample and stop with the list of bad ones.

    Each image and label map goes through the checked loaders of its
    pipeline (see ``mmseg_unetpp.datasets.sample_check``): unreadable or
    truncated files, missing files, label ids outside the classes and
    label/image size mismatches are all reported at once, instead of one
    at a time when a bad sample happens to be drawn, maybe hours into the
    run. Under DDP each process checks its share of the samples. Before a
    test run (``tools/test.py``) the test samples are checked alike, so no
    metric is computed on labels that do not load.

    Args:
        samples (bool): Decode every sample (False: check the classes
            only; ``tools/train.py --no-data-check``). Default: True.
        num_workers (int, optional): Decoding threads per process.
            Default: the CPUs available, at most 8.
        max_listed (int): Problems written to the log. Default: 20.
        enabled (bool): Run the check (``default_hooks.data_check``).
            Default: True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 samples: bool = True,
                 num_workers: Optional[int] = None,
                 max_listed: int = 20,
                 enabled: bool = True) -> None:
        super().__init__(enabled)
        if num_workers is not None and num_workers < 1:
            raise ValueError(f'num_workers must be >= 1, got {num_workers}')
        self.samples = samples
        self.num_workers = num_workers
        self.max_listed = max_listed

    def before_train(self, runner) -> None:
        """Check the samples of ``train_dataloader`` and ``val_dataloader``.

        Raises:
            ConfigError: if a head has fewer classes than the data.
            DataCheckError: if any sample fails, naming the first one.
        """
        splits = [('train', runner.train_dataloader)]
        if runner.val_loop is not None:
            splits.append(('val', runner.val_dataloader))
        self._check(runner, splits)

    def before_test(self, runner) -> None:
        """Check the samples of ``test_dataloader`` (``tools/test.py``): a
        metric computed on broken labels would be silently wrong.

        Raises:
            ConfigError: if a head has fewer classes than the data.
            DataCheckError: if any sample fails, naming the first one.
        """
        self._check(runner, [('test', runner.test_dataloader)])

    def _check(self, runner, splits: List[Tuple[str, object]]) -> None:
        """The class count against the first split's classes, then every
        sample of ``splits`` (``(name, dataloader)`` pairs) decoded."""
        check_num_classes(runner.model,
                          tuple(splits[0][1].dataset.metainfo['classes']),
                          runner.logger)
        if not self.samples:
            return
        samples, counts = [], {}
        for split, dataloader in splits:
            found = dataset_samples(dataloader.dataset)
            counts[split] = len(found)
            samples.extend(found)
        rank, world_size = get_dist_info()
        start = time.perf_counter()
        reports = check_dataset_samples(samples[rank::world_size],
                                        self.num_workers)
        problems: List[str] = [p for r in reports for p in r.problems]
        notes: List[str] = [n for r in reports for n in r.notes]
        if world_size > 1:
            gathered = all_gather_object((problems, notes))
            problems = [p for part, _ in gathered for p in part]
            notes = [n for _, part in gathered for n in part]
        seconds = time.perf_counter() - start
        checked = ' and '.join(f'{n} {split}' for split, n in counts.items())
        logger = runner.logger
        if notes:
            logger.warning(f'data check: {len(notes)} image(s) are not RGB '
                           f'and are converted when loaded, e.g. {notes[0]}')
        if not problems:
            logger.info(f'data check: {checked} samples decoded in '
                        f'{seconds:.1f} s, all good')
            return
        for problem in problems[:self.max_listed]:
            logger.log(logging.ERROR, f'data check: {problem}')
        if len(problems) > self.max_listed:
            logger.log(logging.ERROR, f'data check: ... and '
                       f'{len(problems) - self.max_listed} more')
        raise DataCheckError(
            f'data check: {len(problems)} problem(s) in {checked} samples; '
            f'first: {problems[0]}. Fix or remove these samples '
            '(tools/train.py --no-data-check, or --cfg-options '
            'default_hooks.data_check.samples=False, skips this check)')
