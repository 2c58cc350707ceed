"""Check the training and validation data before training starts."""
import logging
import time
from typing import List, Optional

from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...datasets.sample_check import check_dataset_samples, dataset_samples
from ...utils.errors import DataCheckError


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Decode every training and validation sample before the first
    iteration, and stop with the list of bad ones.

    Each image and label map goes through the checked loaders of its
    pipeline (see ``mmseg_unetpp.datasets.sample_check``): unreadable or
    truncated files, missing files, label ids outside the classes and
    label/image size mismatches are all reported at once, instead of one
    at a time when a bad sample happens to be drawn, maybe hours into the
    run. Under DDP each process checks its share of the samples.

    Args:
        num_workers (int, optional): Decoding threads per process.
            Default: the CPUs available, at most 8.
        max_listed (int): Problems written to the log. Default: 20.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 num_workers: Optional[int] = None,
                 max_listed: int = 20) -> None:
        if num_workers is not None and num_workers < 1:
            raise ValueError(f'num_workers must be >= 1, got {num_workers}')
        self.num_workers = num_workers
        self.max_listed = max_listed

    def before_train(self, runner) -> None:
        """Check the samples of ``train_dataloader`` and ``val_dataloader``.

        Raises:
            DataCheckError: if any sample fails, naming the first one.
        """
        splits = [('train', runner.train_dataloader)]
        if runner.val_loop is not None:
            splits.append(('val', runner.val_dataloader))
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
            '(tools/train.py --no-data-check skips this check)')
